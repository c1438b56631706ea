using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// platform-runtime is linked statically with glibc (see its csproj): it must never dlopen a shared library,
/// because that loads a second glibc beside the static one. .NET's native shims name the libraries they load
/// at run time as plain strings, so a binary that mentions none of them cannot load them. This fails the
/// moment a change pulls OpenSSL (any System.Security.Cryptography use), GSSAPI or ICU into the CLI.
/// </summary>
public sealed class StaticImageTests
{
    private static readonly string[] LoadedAtRunTime = ["libssl.so", "libcrypto.so", "libgssapi_krb5.so", "libicuuc.so", "libicui18n.so"];

    [Fact]
    public void The_static_binary_names_no_library_it_would_load_at_run_time()
    {
        var image = File.ReadAllBytes(CliBinary.Require());

        foreach (var library in LoadedAtRunTime)
        {
            Assert.True(image.AsSpan().IndexOf(Encoding.ASCII.GetBytes(library)) < 0, $"platform-runtime mentions {library}: something in the CLI now loads it at run time, which a static glibc image cannot do safely");
        }
    }

    [Fact]
    public void The_binary_needs_no_dynamic_loader()
    {
        var image = File.ReadAllBytes(CliBinary.Require());

        // An ELF with a PT_INTERP program header names its loader; a static executable has none.
        Assert.True(image.AsSpan().IndexOf("/lib64/ld-linux-x86-64.so.2"u8) < 0, "platform-runtime asks for ld.so: it is no longer linked statically");
    }

    /// <summary>
    /// Every P/Invoke in the image is bound by the linker: none is left for NativeAOT to resolve at run time
    /// with dlopen (which a static image cannot do safely, and which fails outright where there is no shared
    /// glibc, as in a guest initramfs).
    ///
    /// Why the check is sound: ILC compiles a P/Invoke either as a direct call to the C symbol, which the linker
    /// resolves, or, for a library not on the DirectPInvoke list, as a stub that loads its target lazily. The
    /// lazy stub needs data at run time, emitted by ILC as one cell per library (symbol
    /// <c>__nativemodule_&lt;assembly&gt;__&lt;library&gt;</c>, holding the library name for dlopen) and one per
    /// function (<c>__pinvoke_...</c>, holding the entry point name), and the stub resolves them through
    /// <c>InteropHelpers.ResolvePInvoke</c>, which ILC compiles only when something calls it. So an image with a
    /// lazily bound P/Invoke has those symbols in its full symbol table, and an image without them has none. The
    /// symbol table lives in platform-runtime.dbg (the publish strips it from the binary): the test checks the
    /// .dbg is this binary's (same GNU build ID) and really holds ILC's symbols (managed methods of CoreLib), so
    /// it cannot pass by reading the wrong or an empty table. Searching the binary for library names instead
    /// would be unsound: static glibc itself contains the string "libc.so.6".
    /// </summary>
    [Fact]
    public void Every_pinvoke_in_the_image_is_bound_at_link_time()
    {
        var binary = CliBinary.Require();
        var debugFile = binary + ".dbg";
        Assert.True(File.Exists(debugFile), $"{debugFile} is missing: publish keeps the image's symbol table there (StripSymbols), and this check reads it");
        var image = new ElfImage(binary);
        var symbols = new ElfImage(debugFile);
        Assert.NotNull(image.BuildId());
        Assert.True(image.BuildId() == symbols.BuildId(), $"{debugFile} is not the symbol file of {binary}: publish again");

        var names = symbols.SymbolNames();
        Assert.Contains(names, n => n.StartsWith("S_P_CoreLib_", StringComparison.Ordinal));
        var lazy = names.Where(n => n.StartsWith("__nativemodule_", StringComparison.Ordinal) || n.StartsWith("__pinvoke_", StringComparison.Ordinal)
            || n.EndsWith("InteropHelpers__ResolvePInvoke", StringComparison.Ordinal)).Order().ToList();
        Assert.True(lazy.Count == 0, "platform-runtime binds these P/Invokes at run time (add their library to <DirectPInvoke> in Platform.Runtime.Cli.csproj):\n" + string.Join('\n', lazy));
    }

    /// <summary>
    /// The same rule checked on what went into the image rather than what came out: every library named by a
    /// DllImport/LibraryImport (an ImplMap row's ModuleRef) in the CLI's own and NuGet assemblies is on ILC's
    /// --directpinvoke list, read from the response file of the last NativeAOT build of this checkout. Stricter
    /// than the image check (it also sees P/Invokes that trimming left out), and its failure names the library.
    /// </summary>
    [Fact]
    public void Every_library_the_cli_assemblies_pinvoke_is_on_the_direct_pinvoke_list()
    {
        var project = Path.Combine(CliBinary.RepoRoot, "runtime", "Platform.Runtime.Cli");
        var responseFile = Directory.Exists(Path.Combine(project, "obj"))
            ? Directory.GetFiles(Path.Combine(project, "obj"), "platform-runtime.ilc.rsp", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        if (responseFile is null)
        {
            Assert.Skip("platform-runtime has not been published from this checkout (no ILC response file under its obj/)");
        }

        var lines = File.ReadAllLines(responseFile!);
        var direct = lines.Where(l => l.StartsWith("--directpinvoke:", StringComparison.Ordinal)).Select(l => l["--directpinvoke:".Length..]).ToHashSet();
        // The framework's own libraries (System.Native, ...) are the SDK's business and covered by the image check.
        var inputs = lines.Where(l => !l.StartsWith('-')).Concat(lines.Where(l => l.StartsWith("-r:", StringComparison.Ordinal)).Select(l => l[3..]))
            .Where(p => !p.Contains("microsoft.netcore.app.runtime.nativeaot", StringComparison.OrdinalIgnoreCase))
            .Select(p => Path.GetFullPath(p, project)).ToList();
        Assert.Contains(inputs, p => p.EndsWith("Tmds.LibC.dll", StringComparison.Ordinal));

        var unbound = new List<string>();
        foreach (var assembly in inputs)
        {
            using var pe = new PEReader(File.OpenRead(assembly));
            var md = pe.GetMetadataReader();
            foreach (var handle in md.MethodDefinitions)
            {
                var import = md.GetMethodDefinition(handle).GetImport();
                if (import.Module.IsNil)
                {
                    continue;
                }

                var library = md.GetString(md.GetModuleReference(import.Module).Name);
                if (!direct.Contains(library))
                {
                    unbound.Add($"{Path.GetFileName(assembly)}: {library}!{md.GetString(import.Name)}");
                }
            }
        }
        Assert.True(unbound.Count == 0, "P/Invokes to libraries not bound at link time (add them to <DirectPInvoke> in Platform.Runtime.Cli.csproj):\n" + string.Join('\n', unbound.Distinct()));
    }

    /// <summary>
    /// The binary runs where there is no shared library at all: a root holding only itself and a /dev/kvm that is
    /// really /dev/null. `boot` then opens it, fails its first KVM ioctl and closes it through Tmds.LibC, so a
    /// lazily bound P/Invoke would die here with DllNotFoundException instead of reporting "KVM unsupported".
    /// (The KVM lab boots a real guest this way: BootCommandTests in Platform.Runtime.Vmm.Tests.)
    /// </summary>
    [Fact]
    public async Task The_binary_runs_in_a_root_with_no_shared_libraries()
    {
        var binary = CliBinary.Require(root: true);
        var root = Directory.CreateTempSubdirectory("platform-static-root-").FullName;
        try
        {
            File.Copy(binary, Path.Combine(root, "platform-runtime"));
            Directory.CreateDirectory(Path.Combine(root, "dev"));
            var mknod = await CliBinary.RunAsync("/bin/mknod", [Path.Combine(root, "dev", "kvm"), "c", "1", "3"]);
            Assert.True(mknod.ExitCode == 0, CliBinary.Describe(mknod));

            var version = await CliBinary.RunAsync("/usr/sbin/chroot", [root, "/platform-runtime", "--version"]);
            Assert.True(version.ExitCode == 0, CliBinary.Describe(version));
            Assert.False(string.IsNullOrWhiteSpace(version.Stdout));

            var boot = await CliBinary.RunAsync("/usr/sbin/chroot", [root, "/platform-runtime", "boot", "--kernel", "/platform-runtime"]);
            Assert.True(boot.ExitCode == 1 && boot.Stderr.Contains("KVM unsupported"), CliBinary.Describe(boot));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
