using System.Text.Json;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Containers;

/// <summary>
/// One real container driven through <see cref="ContainerRuntime"/> in-process, as the node agent drives it: its
/// own state root, bundle (config.json pointing at the shared busybox rootfs) and output file in a temp dir, and a
/// unique id. Disposing deletes it with --force semantics and removes the temp dir.
/// </summary>
internal sealed class RuntimeContainer : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly string _dir;

    private RuntimeContainer(ContainerHost host)
    {
        _dir = TempDirectory.Create("platform-containers-");
        Id = "ctr-" + Guid.NewGuid().ToString("N")[..12];
        StateRoot = Path.Combine(_dir, "state");
        Bundle = Path.Combine(_dir, "bundle");
        OutputPath = Path.Combine(_dir, "output");
        Runtime = new ContainerRuntime(new RuntimeOptions { Root = StateRoot, InitBinary = host.InitBinary });
        Cgroup = new CgroupFiles(Id);
    }

    public string Id { get; }
    public string StateRoot { get; }
    public string StateDir => Path.Combine(StateRoot, Id);
    public string Bundle { get; }
    public string OutputPath { get; }
    public ContainerRuntime Runtime { get; }
    public CgroupFiles Cgroup { get; }
    /// <summary>The init's host PID, as create reported it.</summary>
    public int Pid { get; private set; }

    /// <summary>Everything the container wrote to stdout and stderr so far.</summary>
    public string Output => File.ReadAllText(OutputPath);

    /// <summary>Writes the bundle and creates the container (status "created"); skips when this machine cannot run containers.</summary>
    public static async Task<RuntimeContainer> CreateAsync(ContainerHost host, RuntimeSpec spec)
    {
        host.RequireContainers();
        var container = new RuntimeContainer(host);
        try
        {
            await container.CreateCoreAsync(spec);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    private async Task CreateCoreAsync(RuntimeSpec spec)
    {
        Directory.CreateDirectory(Bundle);
        await File.WriteAllBytesAsync(Path.Combine(Bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec));
        // A file, not a pipe: nothing blocks when the container writes a lot, and it can be read while it runs.
        // stdout and stderr share one open file description, so their writes interleave in order.
        using var output = File.OpenHandle(OutputPath, FileMode.CreateNew, FileAccess.Write);
        using var timeout = NewTimeout();
        var state = await Runtime.CreateAsync(Id, Bundle, new CreateOptions { Stdout = output, Stderr = output }, timeout.Token);
        Pid = state.Pid;
    }

    public async Task StartAsync()
    {
        using var timeout = NewTimeout();
        await Runtime.StartAsync(Id, timeout.Token);
    }

    /// <summary>Starts the container and waits for its process to exit; the result is its shell-style status (137 = SIGKILL).</summary>
    public async Task<int> RunToExitAsync()
    {
        await StartAsync();
        using var timeout = NewTimeout();
        return await Runtime.WaitAsync(Id, timeout.Token);
    }

    /// <summary>Polls the output until it contains <paramref name="marker"/>; <paramref name="observe"/> runs on every poll.</summary>
    public async Task WaitForOutputAsync(string marker, Action? observe = null)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            observe?.Invoke();
            var output = Output;
            if (output.Contains(marker, StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"container {Id} did not print \"{marker}\" within {Deadline.TotalSeconds} s; output so far:\n{output}");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; throws naming <paramref name="what"/> at the deadline.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"gave up waiting for {what} after {Deadline.TotalSeconds} s");
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Idempotent: a test that already deleted the container finds nothing, which --force accepts.
            await Runtime.DeleteAsync(Id, force: true);
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static CancellationTokenSource NewTimeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Deadline);
        return cts;
    }
}
