using Platform.Runtime.Linux;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>Launches a simulated init: namespaces "exist" at once, the lifecycle callback runs, and the init waits on the fifo.</summary>
internal sealed class FakeLauncher(FakeSyscalls syscalls) : IContainerLauncher
{
    private int _nextPid = 4000;

    public List<LaunchRequest> Requests { get; } = [];

    /// <summary>When set, the launch fails with this message after the callback (as an init reporting an error would).</summary>
    public string? FailWith { get; set; }

    public int? LastPid { get; private set; }

    /// <summary>Runs when a launch starts (tests look at the state dir at that moment).</summary>
    public Action<LaunchRequest>? OnLaunch { get; set; }

    public async Task<LaunchedContainer> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        OnLaunch?.Invoke(request);
        var pid = Interlocked.Increment(ref _nextPid);
        syscalls.Spawn(pid);
        LastPid = pid;
        try
        {
            request.OnSpawned?.Invoke();
            await request.OnNamespacesCreated(pid, cancellationToken);
            if (FailWith is not null)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, FailWith);
            }
        }
        catch
        {
            // The real launcher kills its init before reporting a failure.
            syscalls.Exit(pid, 9);
            syscalls.TryReap(pid);
            throw;
        }
        return new LaunchedContainer(pid);
    }
}
