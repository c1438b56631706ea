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
            Assert.True(image.AsSpan().IndexOf(Encoding.ASCII.GetBytes(library)) < 0, $"platform-runtime mentions {library}: something in the CLI now loads it at run time, which a static glibc image cannot do safely");
    }

    [Fact]
    public void The_binary_needs_no_dynamic_loader()
    {
        var image = File.ReadAllBytes(CliBinary.Require());

        // An ELF with a PT_INTERP program header names its loader; a static executable has none.
        Assert.True(image.AsSpan().IndexOf("/lib64/ld-linux-x86-64.so.2"u8) < 0, "platform-runtime asks for ld.so: it is no longer linked statically");
    }
}
