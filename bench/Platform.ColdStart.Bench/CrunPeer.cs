using System.Diagnostics;
using System.Globalization;

namespace Platform.ColdStart.Bench;

/// <summary>
/// The peer: crun's `run -d` of the same unpacked bundle until its first HTTP answer (probed inside the
/// container's network namespace), then `delete --force` (not timed). crun 1.8.1 refuses this hybrid cgroup host
/// while cgroup2 is mounted at /sys/fs/cgroup/unified, so modes with crun run inside `unshare -m` with it
/// unmounted (<see cref="ReexecWithoutUnifiedAsync"/>): the platform's own process then sees the same cgroups.
/// </summary>
internal sealed class CrunPeer(string bundle, string root)
{
    private const string Crun = "/usr/bin/crun";
    private const string InNamespace = "PLATFORM_COLDSTART_IN_NS";

    public static bool Available => File.Exists(Crun);

    /// <summary>Milliseconds from `crun run -d` to the first byte of an HTTP answer.</summary>
    public async Task<double> ColdStartAsync(string id, int port)
    {
        var pidFile = Path.Combine(root, id + ".pid");
        var started = Stopwatch.GetTimestamp();
        await RunAsync("run", "-d", "--pid-file", pidFile, "--bundle", bundle, id);
        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), CultureInfo.InvariantCulture);
        await NetnsProbe.WaitForAnswerAsync(pid, port, TimeSpan.FromSeconds(30));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await RunAsync("delete", "--force", id);
        File.Delete(pidFile);
        return elapsed;
    }

    private async Task RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Crun, ["--root", root, .. args]) { RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"crun {string.Join(' ', args)}: exit {process.ExitCode}: {await errors}");
        }
    }

    /// <summary>Runs this program again in a mount namespace without cgroup2 at /sys/fs/cgroup/unified, once.</summary>
    public static async Task<int?> ReexecWithoutUnifiedAsync(string[] args)
    {
        if (Environment.GetEnvironmentVariable(InNamespace) is not null || !File.Exists("/sys/fs/cgroup/unified/cgroup.procs"))
        {
            return null;
        }

        var self = Environment.ProcessPath!;
        string[] selfArgs = Path.GetFileName(self) == "dotnet" ? [typeof(CrunPeer).Assembly.Location, .. args] : args;
        var start = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", "umount /sys/fs/cgroup/unified && exec \"$@\"", "sh", self, .. selfArgs]);
        start.Environment[InNamespace] = "1";
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }
}
