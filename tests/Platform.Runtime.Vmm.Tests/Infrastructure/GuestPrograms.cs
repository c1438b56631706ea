using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>
/// Builds the tiny guests in Guests/ with the host's as, ld and gcc into a temp directory, once per test run.
/// Flat binaries are linked at the address they run at; the test kernel is a static ELF at 2 MiB.
/// </summary>
internal static class GuestPrograms
{
    private static readonly string SourceDir = Path.Combine(AppContext.BaseDirectory, "Guests");
    private static readonly Lazy<string> OutputDir = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"vmm-guests-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        return dir;
    });
    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> Built = new();

    public const ulong RealModeAddress = 0x1000;
    public const ulong Long64Address = 0x100000;

    /// <summary>A flat binary from Guests/<paramref name="name"/>.S linked at <paramref name="address"/>.</summary>
    public static byte[] Flat(string name, ulong address) =>
        Built.GetOrAdd($"{name}@{address:x}", _ => new Lazy<byte[]>(() =>
        {
            string obj = Output($"{name}-{address:x}.o");
            string bin = Output($"{name}-{address:x}.bin");
            Run("as", "--64", "-o", obj, Source($"{name}.S"));
            Run("ld", "-m", "elf_x86_64", $"-Ttext=0x{address:x}", "--oformat", "binary", "-o", bin, obj);
            return File.ReadAllBytes(bin);
        })).Value;

    /// <summary>The freestanding test kernel (static ELF, entry in 64-bit mode, reports boot_params over COM1).</summary>
    public static byte[] TestKernel() => TestKernelBytes.Value;

    public static string TestKernelPath()
    {
        _ = TestKernelBytes.Value;
        return Output("test_kernel.elf");
    }

    private static readonly Lazy<byte[]> TestKernelBytes = new(() =>
    {
        string elf = Output("test_kernel.elf");
        Run("gcc", "-static", "-nostdlib", "-ffreestanding", "-fno-pic", "-no-pie", "-mno-red-zone", "-mgeneral-regs-only",
            "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-O2",
            $"-Wl,-T,{Source("test_kernel.ld")}", "-Wl,--build-id=none", "-Wl,-z,max-page-size=4096", "-Wl,-z,noexecstack",
            "-o", elf, Source("test_kernel_start.S"), Source("test_kernel.c"));
        return File.ReadAllBytes(elf);
    });

    public static byte[] BzImage() => Flat("bzimage", 0);

    public static string BzImagePath()
    {
        BzImage();
        return Output("bzimage-0.bin");
    }

    /// <summary>Builds and runs a small host C program (ABI checks) and returns its standard output.</summary>
    public static string CompileAndRun(string name, string cSource)
    {
        string src = Output($"{name}.c");
        string exe = Output(name);
        File.WriteAllText(src, cSource);
        Run("gcc", "-O0", "-o", exe, src);
        return Run(exe);
    }

    private static string Source(string file) => Path.Combine(SourceDir, file);

    private static string Output(string file) => Path.Combine(OutputDir.Value, file);

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        }
        return stdout.Result;
    }
}
