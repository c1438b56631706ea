using System.Diagnostics;

namespace Platform.Runtime.Tests.Seccomp;

/// <summary>
/// A tiny C program, compiled by the test with gcc, that installs a BPF program read from a file and execs a
/// command: a throwaway process to apply a filter to, without forking the test host.
/// </summary>
public sealed class SeccompExecHelper : IDisposable
{
    private const string Source = """
        #define _GNU_SOURCE
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <sys/prctl.h>
        #include <sys/syscall.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>

        int main(int argc, char **argv) {
            if (argc < 4) { fprintf(stderr, "usage: seccomp-exec PROGRAM FLAGS CMD [ARG...]\n"); return 125; }
            static struct sock_filter filter[4096];
            FILE *f = fopen(argv[1], "rb");
            if (!f) { perror("open program"); return 125; }
            size_t n = fread(filter, sizeof(filter[0]), 4096, f);
            fclose(f);
            struct sock_fprog prog = { .len = (unsigned short)n, .filter = filter };
            if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("no_new_privs"); return 125; }
            if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, strtoul(argv[2], NULL, 0), &prog)) { perror("seccomp"); return 125; }
            execv(argv[3], argv + 3);
            perror("execv");
            return 126;
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("seccomp-exec-").FullName;

    public SeccompExecHelper()
    {
        if (!File.Exists("/usr/bin/gcc"))
        {
            SkipReason = "gcc is not installed";
            return;
        }
        File.WriteAllText(Path.Combine(_dir, "seccomp-exec.c"), Source);
        var gcc = Process.Start(new ProcessStartInfo("/usr/bin/gcc", ["-O2", "-o", Binary, Path.Combine(_dir, "seccomp-exec.c")])
        {
            RedirectStandardError = true,
        })!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc failed: {errors}");
        }
    }

    public string? SkipReason { get; }

    public string Binary => Path.Combine(_dir, "seccomp-exec");

    public string WorkDir => _dir;

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        Platform.Runtime.Seccomp.SeccompProgram program, params string[] command)
    {
        string programFile = Path.Combine(_dir, $"filter-{Guid.NewGuid():n}.bpf");
        await File.WriteAllBytesAsync(programFile, program.ToBytes());
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        psi.ArgumentList.Add(programFile);
        psi.ArgumentList.Add(((uint)program.Flags).ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var arg in command)
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
