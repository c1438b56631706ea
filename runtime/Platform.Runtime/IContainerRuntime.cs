namespace Platform.Runtime;

/// <summary>
/// The OCI operations (runtime.md) as a library: what the CLI exposes as commands and what a node agent
/// calls in-process. Errors are <see cref="RuntimeException"/>: its <see cref="RuntimeException.Kind"/> for the
/// caller to branch on, its message fit for a user.
/// </summary>
public interface IContainerRuntime
{
    /// <summary>Creates the container from the bundle and leaves it in status "created" (its process waits for start).</summary>
    Task<ContainerState> CreateAsync(string id, string bundlePath, CreateOptions options, CancellationToken cancellationToken = default);

    /// <summary>Runs the user process of a created container.</summary>
    Task StartAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Sends a signal to the container's process (all of its processes when <paramref name="all"/>).</summary>
    Task KillAsync(string id, int signal, bool all = false, CancellationToken cancellationToken = default);

    /// <summary>Deletes a stopped container (any container with <paramref name="force"/>), leaving nothing behind.</summary>
    Task DeleteAsync(string id, bool force = false, CancellationToken cancellationToken = default);

    Task<ContainerState> GetStateAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ContainerState>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>The container's cgroup counters now: memory use and limit hits, OOM kills, CPU time, pids.</summary>
    Task<Cgroups.CgroupStats> GetStatsAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// A stream to <paramref name="port"/> inside a microVM container (over its vsock device, relayed by the guest
    /// agent to the guest's 127.0.0.1). A Linux container shares the host kernel, so its caller dials into its
    /// network namespace instead; this fails for one.
    /// </summary>
    Task<Stream> ConnectAsync(string id, uint port, CancellationToken cancellationToken = default);

    /// <summary>Completes when the container's process has exited; the result is its wait status as a shell reports it (128+signal when killed).</summary>
    Task<int> WaitAsync(string id, CancellationToken cancellationToken = default);
}
