using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Runtime.Spec;
using Process = System.Diagnostics.Process;

namespace Platform.Runtime.Bench;

/// <summary>
/// create + start + wait + delete of /bin/true on one busybox bundle, interleaved round by round so every
/// variant sees the same machine load: the platform-runtime CLI, crun, runc, and the in-process library.
/// crun 1.8.1 refuses this hybrid cgroup host unless /sys/fs/cgroup/unified is hidden, so the whole run
/// re-executes itself inside `unshare -m` with it unmounted (every variant then sees the same cgroups).
/// usage: Platform.Runtime.Bench [rounds=40] [--no-unshare]
/// </summary>
internal static class LifecycleBenchmark
{
    private const string InNamespace = "PLATFORM_BENCH_IN_NS";

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 40;
        if (Environment.GetEnvironmentVariable(InNamespace) is null && !args.Contains("--no-unshare") && Directory.Exists("/sys/fs/cgroup/unified"))
        {
            return await ReexecInMountNamespaceAsync(args);
        }

        var repo = FindRepo();
        var cli = Environment.GetEnvironmentVariable(RuntimeOptions.InitBinaryEnvironmentVariable) ?? Path.Combine(repo, "artifacts", "bin", "platform-runtime");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"{cli} not found: run scripts/build first");
            return 1;
        }
        var work = Directory.CreateTempSubdirectory("platform-bench-").FullName;
        try
        {
            var bundle = MakeBundle(repo, work);
            var variants = new List<Variant>
            {
                new("platform-runtime CLI", (id, ct) => CliLifecycleAsync(cli, Path.Combine(work, "state-pr"), bundle, id, work, ct)),
                new("in-process library", LibraryLifecycle(Path.Combine(work, "state-lib"), cli, bundle)),
            };
            foreach (var (name, exe) in new[] { ("crun", "/usr/bin/crun"), ("runc", "/usr/sbin/runc") })
            {
                if (File.Exists(exe))
                {
                    variants.Add(new(name, (id, ct) => CliLifecycleAsync(exe, Path.Combine(work, "state-" + name), bundle, id, work, ct)));
                }
                else
                {
                    Console.Error.WriteLine($"{exe} missing: {name} skipped (scripts/setup installs it)");
                }
            }
            variants.Add(new("platform-runtime run", (id, ct) => RunAsync(cli, Path.Combine(work, "state-pr"), bundle, id, ct)));
            if (File.Exists("/usr/bin/crun"))
            {
                variants.Add(new("crun run", (id, ct) => RunAsync("/usr/bin/crun", Path.Combine(work, "state-crun"), bundle, id, ct)));
            }

            // Warm-up: page cache, JIT of this process, first cgroup creation.
            foreach (var v in variants)
            {
                await v.Lifecycle("warm-" + v.Samples.Count, CancellationToken.None);
            }

            for (var round = 0; round < rounds; round++)
            {
                foreach (var v in variants)
                {
                    var sw = Stopwatch.StartNew();
                    await v.Lifecycle($"b{round}", CancellationToken.None);
                    v.Samples.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            Report(variants, rounds);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Variant(string Name, Func<string, CancellationToken, Task> Lifecycle)
    {
        public List<double> Samples { get; } = [];
    }

    private static async Task CliLifecycleAsync(string exe, string root, string bundle, string id, string work, CancellationToken ct)
    {
        var pidFile = Path.Combine(work, id + ".pid");
        await ExecAsync(exe, ["--root", root, "create", "--bundle", bundle, "--pid-file", pidFile, id], ct);
        var pid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        using var exited = PidWaiter.Open(pid);
        await ExecAsync(exe, ["--root", root, "start", id], ct);
        await exited.WaitAsync(ct);
        await ExecAsync(exe, ["--root", root, "delete", id], ct);
        File.Delete(pidFile);
    }

    private static Task RunAsync(string exe, string root, string bundle, string id, CancellationToken ct) =>
        ExecAsync(exe, ["--root", root, "run", "--bundle", bundle, id + "r"], ct);

    private static Func<string, CancellationToken, Task> LibraryLifecycle(string root, string cli, string bundle)
    {
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = root, InitBinary = cli });
        var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        var options = new CreateOptions { Stdin = devNull, Stdout = devNull, Stderr = devNull };
        return async (id, ct) =>
        {
            id += "l";
            await runtime.CreateAsync(id, bundle, options, ct);
            await runtime.StartAsync(id, ct);
            await runtime.WaitAsync(id, ct);
            await runtime.DeleteAsync(id, cancellationToken: ct);
        };
    }

    private static async Task ExecAsync(string exe, string[] args, CancellationToken ct)
    {
        using var process = Process.Start(new ProcessStartInfo(exe, args) { UseShellExecute = false, RedirectStandardError = true })!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)}: exit {process.ExitCode}: {await stderr}");
        }
    }

    private static string MakeBundle(string repo, string work)
    {
        var bundle = Path.Combine(work, "bundle");
        using (var make = Process.Start(Path.Combine(repo, "scripts", "make-rootfs"), [Path.Combine(bundle, "rootfs")]))
        {
            make.WaitForExit();
        }

        var spec = DefaultSpec.Create();
        spec.Process!.Terminal = false;
        spec.Process.Args = ["/bin/true"];
        File.WriteAllBytes(Path.Combine(bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));
        return bundle;
    }

    private static void Report(List<Variant> variants, int rounds)
    {
        var crun = variants.FirstOrDefault(v => v.Name == "crun");
        var crunMedian = crun is null ? double.NaN : Percentile(crun.Samples, 50);
        Console.WriteLine($"create+start+wait+delete of /bin/true, {rounds} interleaved rounds, {Environment.ProcessorCount} CPUs, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine();
        Console.WriteLine("| variant | median ms | p95 ms | median / crun |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var v in variants)
        {
            var median = Percentile(v.Samples, 50);
            var ratio = double.IsNaN(crunMedian) ? "n/a" : (median / crunMedian).ToString("0.00", CultureInfo.InvariantCulture) + "×";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {v.Name} | {median:0.0} | {Percentile(v.Samples, 95):0.0} | {ratio} |"));
        }
    }

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static async Task<int> ReexecInMountNamespaceAsync(string[] args)
    {
        var self = Environment.ProcessPath!;
        var selfArgs = Path.GetFileName(self) == "dotnet" ? [typeof(LifecycleBenchmark).Assembly.Location, .. args] : args;
        var start = new ProcessStartInfo("unshare", ["-m", "--propagation", "private", "sh", "-c", "umount /sys/fs/cgroup/unified && exec \"$@\"", "sh", self, .. selfArgs])
        {
            UseShellExecute = false,
        };
        start.Environment[InNamespace] = "1";
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("run from inside the repository");
    }
}
