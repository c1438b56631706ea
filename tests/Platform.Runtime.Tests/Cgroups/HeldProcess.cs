using System.Diagnostics;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>
/// A busybox shell that waits for a line on stdin before running its script, so a test can put it into a
/// cgroup first and everything the script forks inherits that cgroup.
/// </summary>
internal sealed class HeldProcess : IDisposable
{
    public const string Busybox = "/bin/busybox";

    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public HeldProcess(string script)
    {
        var psi = new ProcessStartInfo(Busybox)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["sh", "-c", "read _ || exit 1\n" + script])
        {
            psi.ArgumentList.Add(arg);
        }
        _process = Process.Start(psi)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    public void Release()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
    }

    public async Task<(int ExitCode, string Stdout, string Stderr)> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        // Background children may still hold the pipes open: do not wait for them beyond the deadline.
        return (_process.ExitCode, await _stdout.WaitAsync(cts.Token), await _stderr.WaitAsync(cts.Token));
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        _process.Dispose();
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing the test after a generous deadline.</summary>
    public static async Task Eventually(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            await Task.Delay(20);
        }
    }
}
