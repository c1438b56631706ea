using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Platform.Runtime;
using Platform.Runtime.Spec;
using Process = System.Diagnostics.Process;

namespace Platform.Vmm.Bench;

/// <summary>
/// microVM containers through the runtime: boot to guest agent ready (the library's create: VM built, Linux
/// booted, the agent has the container created inside), `run` of /bin/true end to end through the published
/// CLI, and the VMM process's own memory per VM (its RSS less the guest RAM mapping).
/// </summary>
internal sealed class MicroVmContainerBench(string kernel, string verdict) : IAsyncDisposable
{
    private const long GuestMiB = 128;
    private readonly string _dir = Directory.CreateTempSubdirectory("platform-vm-bench-").FullName;

    private string Root => Path.Combine(_dir, "state");

    public async Task RunAsync(int iterations)
    {
        string rootfs = Path.Combine(_dir, "rootfs");
        using (var make = Process.Start(Path.Combine(Program.RepoRoot, "scripts", "make-rootfs"), [rootfs]))
        {
            await make.WaitForExitAsync();
        }
        string bundle = Bundle(rootfs, ["/bin/true"]);
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = Root });

        var ready = new List<double>();
        long vmmKiB = 0;
        for (int i = 0; i <= iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            ContainerState state = await runtime.CreateAsync($"bench-{i}", bundle, new CreateOptions());
            double ms = clock.Elapsed.TotalMilliseconds;
            if (i > 0)
            {
                ready.Add(ms);
            }
            vmmKiB = Math.Max(vmmKiB, VmmOwnKiB(state.Pid));
            await runtime.DeleteAsync($"bench-{i}", force: true);
        }
        Console.WriteLine($"microVM create (boot to guest agent ready): median {Program.Median(ready):F1} ms, p95 {Program.Percentile(ready, 0.95):F1} ms ({iterations} runs; target <= 100 ms on hardware) [{verdict}]");
        Console.WriteLine($"VMM memory per VM (RSS less guest RAM): {vmmKiB / 1024.0:F1} MiB (target <= 5 MiB) [{verdict}]");

        string cli = Environment.GetEnvironmentVariable(RuntimeOptions.InitBinaryEnvironmentVariable) ?? Path.Combine(Program.RepoRoot, "artifacts", "bin", "platform-runtime");
        var runs = new List<double>();
        for (int i = 0; i <= iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            using var run = Process.Start(cli, ["--root", Root, "run", "--bundle", bundle, $"bench-run-{i}"]);
            await run.WaitForExitAsync();
            double ms = clock.Elapsed.TotalMilliseconds;
            if (run.ExitCode != 0)
            {
                Console.WriteLine($"microVM run of /bin/true failed with exit {run.ExitCode}");
                return;
            }
            if (i > 0)
            {
                runs.Add(ms);
            }
        }
        Console.WriteLine($"microVM `run` of /bin/true end to end: median {Program.Median(runs):F1} ms, p95 {Program.Percentile(runs, 0.95):F1} ms ({iterations} runs) [{verdict}]");
    }

    private string Bundle(string rootfs, List<string> args)
    {
        string bundle = Path.Combine(_dir, "bundle");
        Directory.CreateDirectory(bundle);
        RuntimeSpec spec = DefaultSpec.Create();
        spec.Process!.Terminal = false;
        spec.Process.Args = args;
        spec.Root = new Root { Path = rootfs, Readonly = true };
        spec.Vm = new Vm { Kernel = new VmKernel { Path = kernel } };
        File.WriteAllBytes(Path.Combine(bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));
        return bundle;
    }

    /// <summary>
    /// The VMM process's resident memory outside guest RAM: the guest's memory is the one mapping exactly its size
    /// (the bench's bundle sets no memory limit, so the default); the GC's large reservations still count.
    /// </summary>
    private static long VmmOwnKiB(int pid)
    {
        long total = 0, guest = 0, size = 0;
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[0] == "Size:")
            {
                size = long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
            else if (parts.Length == 3 && parts[0] == "Rss:")
            {
                long rss = long.Parse(parts[1], CultureInfo.InvariantCulture);
                total += rss;
                if (size == GuestMiB * 1024)
                {
                    guest += rss;
                }
            }
        }
        return total - guest;
    }

    public async ValueTask DisposeAsync()
    {
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = Root });
        foreach (ContainerState state in await runtime.ListAsync())
        {
            await runtime.DeleteAsync(state.Id, force: true);
        }
        Directory.Delete(_dir, recursive: true);
    }
}
