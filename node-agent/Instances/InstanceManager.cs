using System.Diagnostics.CodeAnalysis;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using Platform.Contracts;
using Platform.NodeAgent.Backends;
using Platform.NodeAgent.Bundles;
using Platform.NodeAgent.Logs;
using Platform.NodeAgent.Native;
using Platform.NodeAgent.Networking;
using Platform.NodeAgent.Secrets;
using Platform.Runtime;
using Platform.Runtime.Spec;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// Runs instances on this node through the container runtime, in-process: fetch the bundle, create the
/// container with the function's settings, wait until it answers HTTP, watch it, and tear it down leaving
/// nothing behind. Reports every transition to the scheduler. As a hosted service it clears leftovers of a
/// previous run at start and stops every instance at shutdown.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "Hosted service: _shutdown is cancelled in StopAsync and its token is still read by work finishing after it; a timer-less CancellationTokenSource holds nothing to free.")]
internal sealed partial class InstanceManager(
    IContainerRuntime runtime,
    BundleCache bundles,
    RootDiskCache disks,
    FunctionSecretsClient secrets,
    NodeBackends backends,
    LocalInstances instances,
    InstanceLogStore logs,
    ReadinessProbe probe,
    HostIdRanges hostIds,
    ContainerPool pool,
    EgressNetwork egress,
    IBus bus,
    IOptions<NodeAgentOptions> options,
    TimeProvider time,
    ILogger<InstanceManager> logger) : IHostedService
{
    private static readonly string[] LogStreams = ["stdout", "stderr"];
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);
    private readonly NodeAgentOptions _options = options.Value;
    private readonly CancellationTokenSource _shutdown = new();
    private int _starting;

    /// <summary>
    /// Starts the instance in the background (the bus consumer returns at once); duplicates are ignored.
    /// <paramref name="sent"/>: when the scheduler sent the command, for the start's "schedule" phase (the bus's
    /// delivery; clocks of other hosts may differ, so a negative difference counts as none).
    /// </summary>
    public void Start(StartInstance command, DateTime? sent = null)
    {
        var scheduled = sent is { } at && time.GetUtcNow().UtcDateTime - at is { Ticks: > 0 } late ? late : TimeSpan.Zero;
        var directory = Path.Combine(NodeDirectories.Instances(_options), command.InstanceId.ToString());
        var instance = new LocalInstance(command, directory);
        if (!instances.TryAdd(instance))
        {
            instance.Dispose();
            return;
        }

        instance.StartTask = Task.Run(() => RunAsync(instance, scheduled));
    }

    /// <summary>
    /// Stops the instance in the background, as <see cref="Start"/> starts one: the bus consumer returns at once,
    /// so a deleted function's thousand instances stop together, each within its grace period, instead of one
    /// grace period after another at the consumer's concurrency.
    /// </summary>
    public void Stop(Guid instanceId) => _ = Task.Run(async () =>
    {
        try
        {
            await StopAsync(instanceId);
        }
        catch (Exception ex)
        {
            LogStopFailed(logger, ex, instanceId);
        }
    });

    public async Task StopAsync(Guid instanceId)
    {
        if (!instances.TryGet(instanceId, out var instance))
        {
            // Already gone (or never here): tell the scheduler so it stops waiting.
            await ReportAsync(instanceId, "Stopped", null);
            return;
        }

        await StopCoreAsync(instance);
        await ReportAsync(instanceId, "Stopped", null);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(NodeDirectories.Instances(_options));
        // This agent owns its runtime root: anything still there was left by a previous run that died. What still
        // serves is adopted (the scheduler keeps it if it still wants it, and stops it otherwise); the rest goes.
        foreach (var leftover in await runtime.ListAsync(cancellationToken))
        {
            if (await TryAdoptAsync(leftover, cancellationToken))
            {
                continue;
            }

            LogLeftover(logger, leftover.Id);
            await ForceDeleteAsync(leftover.Id, cancellationToken);
        }

        var adopted = instances.Snapshot().Select(i => i.Directory).ToHashSet(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories(NodeDirectories.Instances(_options)).Where(d => !adopted.Contains(d)))
        {
            Directory.Delete(directory, recursive: true);
        }

        disks.Prune(instances.Snapshot().Where(i => i.IsMicroVm).Select(i => (i.Command.Digest, i.FunctionId)));
        _ = SweepPoolAsync();
    }

    // An instance a previous run of this agent started and that still serves: its container (or its microVM's
    // VMM process) is running, its record is here, its backend is still this node's, and it answers on its port
    // within AdoptTimeout. Everything the agent holds of an instance can be opened again: its output FIFOs, its
    // network namespace, a microVM's vsock socket in the runtime's state folder.
    private async Task<bool> TryAdoptAsync(ContainerState state, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(NodeDirectories.Instances(_options), state.Id);
        // The record sits in the container's own directory (named by the container, which may have been a spare).
        if (state.Status != "running" || InstanceRecord.TryLoad(directory) is not { } record
            || backends.WhyUnavailable(record.Command.Spec.Isolation) is not null)
        {
            return false;
        }

        var instance = new LocalInstance(record.Command, directory);
        instance.Adopt(state.Id, state.Pid, record.HostId);
        if (!instances.TryAdd(instance)) // the probe reaches it through the connector, which looks it up there
        {
            instance.Dispose();
            return false;
        }
        try
        {
            if (!instance.IsMicroVm)
            {
                instance.Netns = NetnsSocketFactory.OpenNamespace($"/proc/{state.Pid}/ns/net");
            }

            instance.Exited = runtime.WaitAsync(instance.ContainerId, _shutdown.Token);
            await probe.WaitReadyAsync(instance, instance.Exited, _options.AdoptTimeout, cancellationToken);
            if (record.Command.Spec.Egress && instance.Netns is { } netns)
            {
                // Its link outlived the previous agent; its DNS relay did not.
                instance.Dns = await egress.StartDnsAsync(netns, cancellationToken);
            }
            // The tail died with the previous agent: its files give the newest lines back, in their order, before
            // the pumps add what the instance wrote since.
            foreach (var line in LogStreams
                .SelectMany(stream => LogFile.ReadTail(Path.Combine(directory, stream + ".log"), instance.Id, stream, _options.LogTailLines))
                .OrderBy(line => line.At))
            {
                logs.Append(instance.FunctionId, line);
            }

            StartLogPumps(instance, OutputFifo.OpenReader(Path.Combine(directory, "stdout")), OutputFifo.OpenReader(Path.Combine(directory, "stderr")));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogAdoptFailed(logger, ex, instance.Id);
            instances.Remove(instance);
            instance.Dispose();
            return false;
        }

        if (instance.HostId is { } hostId)
        {
            hostIds.Reserve(hostId);
        }

        instance.Running = true;
        NodeMetrics.Adopted();
        LogAdopted(logger, instance.Id, record.Command.Tenant, record.Command.Function, record.Command.Version, state.Pid);
        // No report: the bus may not run yet, and the next heartbeat lists it (the scheduler answers one it no
        // longer wants with a stop).
        _ = WatchAsync(instance);
        return true;
    }

    private void StartLogPumps(LocalInstance instance, SafeFileHandle stdout, SafeFileHandle stderr)
    {
        instance.LogPumps.Add(LogPump.RunAsync(stdout, Path.Combine(instance.Directory, "stdout.log"), _options.LogFileMaxBytes, instance.FunctionId, instance.Id, "stdout", logs, time));
        instance.LogPumps.Add(LogPump.RunAsync(stderr, Path.Combine(instance.Directory, "stderr.log"), _options.LogFileMaxBytes, instance.FunctionId, instance.Id, "stderr", logs, time));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _shutdown.CancelAsync();
        await Task.WhenAll(instances.Snapshot().Select(async instance =>
        {
            await StopCoreAsync(instance);
            await ReportAsync(instance.Id, "Stopped", "the node agent shut down");
        }));
        await DeleteSparesAsync(pool.TakeAll());
    }

    private async Task RunAsync(LocalInstance instance, TimeSpan scheduled)
    {
        var command = instance.Command;
        NodeMetrics.StartBegan();
        Interlocked.Increment(ref _starting);
        await ReportAsync(instance.Id, "Starting", null);
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(instance.StartCancellation, _shutdown.Token);
            var token = linked.Token;
            if (backends.WhyUnavailable(command.Spec.Isolation) is { } missing)
            {
                // Never run a function in another sandbox than the one it was placed for.
                throw new InstanceStartException($"isolation '{command.Spec.Isolation}' is not available on node {_options.Id}: {missing}");
            }

            if (command.Spec.Egress && instance.IsMicroVm)
            {
                // Never a microVM without the egress its function was promised, nor a container instead.
                throw new InstanceStartException("egress is available to functions that run in containers: a microVM has no network device yet");
            }

            // Where a start's time goes (a microVM's create is its boot until the guest agent answers).
            var phases = new StartPhases(time);
            phases.Add("schedule", scheduled);
            // Fetched only for a function that has secrets: the common cold start makes no extra call.
            var secretValues = command.Spec.Secrets is { Count: > 0 } names ? await secrets.GetAsync(command.FunctionId, names, token) : null;
            var bundle = await bundles.GetAsync(command.Digest, token);
            phases.End("bundle");
            var vm = instance.IsMicroVm
                ? new InstanceSpecBuilder.MicroVm(backends.GuestKernel!, await disks.GetAsync(command.Digest, command.FunctionId, bundle, token))
                : null;
            phases.End("disk");
            var poolKey = pool.IsPoolable(command) ? ContainerPool.KeyOf(command) : null;
            var spare = poolKey is null ? null : await TakeSpareAsync(poolKey, token);
            if (spare is not null)
            {
                instance.Claim(spare);
                // Written before the start: from here on the container is this instance's to adopt or remove.
                new InstanceRecord(command, instance.HostId).Save(instance.Directory);
                StartLogPumps(instance, spare.Stdout!, spare.Stderr!);
                spare.Release();
                phases.End("create");
            }
            else
            {
                await CreateContainerAsync(instance, bundle, vm, secretValues, token);
                phases.End("create");
                if (!instance.IsMicroVm)
                {
                    // A VM is reached over its vsock device; a container through its network namespace.
                    instance.Netns = NetnsSocketFactory.OpenNamespace($"/proc/{instance.Pid}/ns/net");
                }
            }

            if (command.Spec.Egress)
            {
                var link = await egress.AttachAsync(instance.Pid, token);
                instance.Dns = await egress.StartDnsAsync(instance.Netns!, token);
                phases.End("network");
                LogEgress(logger, instance.Id, link.Address.ToString(), link.HostInterface);
            }

            await runtime.StartAsync(instance.ContainerId, token);
            phases.End("start");
            instance.Exited = runtime.WaitAsync(instance.ContainerId, _shutdown.Token);
            await probe.WaitReadyAsync(instance, instance.Exited, _options.StartTimeout, token);
            phases.End("ready");

            instance.Running = true;
            NodeMetrics.Started(command.Spec.Isolation, phases.Total);
            LogRunning(logger, instance.Id, command.Tenant, command.Function, command.Version, command.Spec.Isolation, instance.Pid,
                spare is null ? "created now" : "created ahead", phases.ToString());
            await ReportAsync(instance.Id, "Running", null);
            _ = WatchAsync(instance);
            // Once this node has no start under way (the last of a burst fills for it), so a spare's create never
            // competes with the cold starts it is meant to speed up.
            if (Interlocked.Decrement(ref _starting) == 0 && poolKey is not null)
            {
                _ = FillPoolAsync(poolKey, command, bundle);
            }
        }
        catch (Exception ex) when (!instance.StopRequested)
        {
            var reason = ex is InstanceStartException or RuntimeException or HttpRequestException or Platform.Runtime.Bundles.BundleException
                ? ex.Message
                : $"{ex.GetType().Name}: {ex.Message}";
            LogStartFailed(logger, ex, instance.Id, reason);
            await TeardownAsync(instance);
            await ReportAsync(instance.Id, "Failed", reason);
        }
        catch (Exception) when (instance.StopRequested)
        {
            // Stopped while starting: StopCoreAsync tears it down.
        }
        finally
        {
            if (!instance.Running)
            {
                NodeMetrics.StartAbandoned();
                Interlocked.Decrement(ref _starting);
            }
        }
    }

    private async Task CreateContainerAsync(LocalInstance instance, string bundle, InstanceSpecBuilder.MicroVm? vm,
        IReadOnlyDictionary<string, string>? secretValues, CancellationToken token)
    {
        Directory.CreateDirectory(instance.Directory);
        // The probe speaks for this host's kernel; a microVM's guest runs ours, which always has user namespaces.
        if (vm is not null || backends.UserNamespaces)
        {
            instance.HostId = hostIds.Rent();
        }

        // Written first: an agent that dies from here on leaves what the next one needs to adopt or remove it.
        new InstanceRecord(instance.Command, instance.HostId).Save(instance.Directory);
        instance.Pid = await CreateWithOutputAsync(instance.ContainerId, instance.Directory, bundle,
            spec => InstanceSpecBuilder.Apply(spec, instance.Command, _options, vm, instance.HostId, secretValues),
            (stdout, stderr) => StartLogPumps(instance, stdout, stderr), token);
        instance.Created = true;
    }

    // Creates a container whose stdout/stderr are FIFOs in its directory; the agent's read ends go to
    // takeReaders before the create, so nothing the container writes is lost. Returns its pid.
    private async Task<int> CreateWithOutputAsync(string containerId, string directory, string bundle, Action<RuntimeSpec> customize,
        Action<SafeFileHandle, SafeFileHandle> takeReaders, CancellationToken token)
    {
        var (stdout, stdoutEnd) = OutputFifo.Create(Path.Combine(directory, "stdout"));
        var (stderr, stderrEnd) = OutputFifo.Create(Path.Combine(directory, "stderr"));
        using (stdoutEnd)
        using (stderrEnd)
        {
            takeReaders(stdout, stderr);
            var created = await runtime.CreateAsync(containerId, bundle, new CreateOptions { Stdout = stdoutEnd, Stderr = stderrEnd, Customize = customize }, token);
            return created.Pid;
        }
    }

    // Watches a running instance until it ends: its process exits, or the kernel's OOM killer ends any of its
    // processes. As Lambda does, an instance that ran out of memory is not trusted to go on (a worker or a
    // request's child may be gone while the server still answers), so it is ended and reported, and the
    // scheduler replaces it.
    private async Task WatchAsync(LocalInstance instance)
    {
        string reason;
        try
        {
            var exited = instance.Exited!;
            while (!exited.IsCompleted && await OomKillsAsync(instance) == 0)
            {
                await Task.WhenAny(exited, Task.Delay(_options.OomCheckInterval, time, _shutdown.Token));
            }

            var oomKills = await OomKillsAsync(instance);
            if (oomKills > 0 && !instance.StopRequested)
            {
                NodeMetrics.OomKill();
            }

            reason = oomKills > 0
                ? $"out of memory: the kernel's OOM killer ended {oomKills} of its processes at the {instance.Command.Spec.MemoryMiB} MiB limit"
                : $"the process exited with status {await exited}";
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception ex)
        {
            LogWatchFailed(logger, ex, instance.Id);
            reason = $"watching its process failed: {ex.Message}";
        }

        if (instance.StopRequested)
        {
            return;
        }

        LogEnded(logger, instance.Id, reason);
        await TeardownAsync(instance);
        await ReportAsync(instance.Id, "Failed", reason);
    }

    // The cgroup is gone once the container is deleted; until then it keeps the count after the process exits.
    // The same read is the instance's memory sample: the node's memory gauge costs no extra cgroup reads.
    private async Task<ulong> OomKillsAsync(LocalInstance instance)
    {
        try
        {
            var stats = await runtime.GetStatsAsync(instance.ContainerId, _shutdown.Token);
            NodeMetrics.MemorySampled(instance, stats.MemoryUsageBytes);
            return stats.OomKills;
        }
        catch (RuntimeException e) when (e.Kind == RuntimeErrorKind.ContainerNotFound || instance.StopRequested)
        {
            // Deleted, or being deleted by a stop: its cgroup and the count went with it.
            return 0;
        }
        catch (RuntimeException e)
        {
            // Not a reason to end the instance: the next check may read the count.
            LogStatsFailed(logger, e, instance.Id);
            return 0;
        }
    }

    private async Task StopCoreAsync(LocalInstance instance)
    {
        instance.RequestStop();
        try
        {
            await instance.StartTask;
        }
        catch (Exception ex)
        {
            LogWatchFailed(logger, ex, instance.Id);
        }

        await TeardownAsync(instance);
    }

    private Task TeardownAsync(LocalInstance instance) => instance.TeardownOnceAsync(async () =>
    {
        if (instance.Running)
        {
            NodeMetrics.Stopped(instance);
        }

        if (instance.Created)
        {
            await TerminateAsync(instance);
            await ForceDeleteAsync(instance.ContainerId, CancellationToken.None);
        }

        if (instance.Dns is { } dns)
        {
            await dns.DisposeAsync();
        }

        instance.Netns?.Dispose();
        // Its processes are gone (deleted above): the range may serve another instance.
        if (instance.HostId is { } hostId)
        {
            hostIds.Return(hostId);
            instance.HostId = null;
        }

        // The pumps end when the container's last writer closes: after the delete at the latest.
        await Task.WhenAny(Task.WhenAll(instance.LogPumps), Task.Delay(KillWait, time));
        instances.Remove(instance);
        instance.Dispose();
        RemoveDirectory(instance.Directory, instance.Id);
    });

    private void RemoveDirectory(string directory, Guid owner)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException ex)
        {
            LogCleanupFailed(logger, ex, owner);
        }
    }

    // TERM, then KILL to every process of the container after the grace period.
    private async Task TerminateAsync(LocalInstance instance)
    {
        var exited = instance.Exited ?? runtime.WaitAsync(instance.ContainerId, CancellationToken.None);
        if (!exited.IsCompleted)
        {
            await TryKillAsync(instance.ContainerId, 15, all: false);
            await Task.WhenAny(exited, Task.Delay(_options.StopGracePeriod, time));
        }

        if (!exited.IsCompleted)
        {
            await TryKillAsync(instance.ContainerId, 9, all: true);
            await Task.WhenAny(exited, Task.Delay(KillWait, time));
        }
    }

    private async Task TryKillAsync(string containerId, int signal, bool all)
    {
        try
        {
            await runtime.KillAsync(containerId, signal, all);
        }
        catch (RuntimeException e) when (e.Kind is RuntimeErrorKind.AlreadyStopped or RuntimeErrorKind.ContainerNotFound)
        {
            // Already stopped or deleted: nothing to signal.
        }
        catch (RuntimeException e)
        {
            // The teardown goes on: the forced delete kills whatever is left in the container's cgroup.
            LogKillFailed(logger, e, containerId, signal);
        }
    }

    private async Task ForceDeleteAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.DeleteAsync(containerId, force: true, cancellationToken);
        }
        catch (RuntimeException ex)
        {
            LogDeleteFailed(logger, ex, containerId);
        }
    }

    private async Task ReportAsync(Guid instanceId, string state, string? error)
    {
        try
        {
            await bus.Publish(new InstanceStatusChanged(instanceId, _options.Id, state, error, time.GetUtcNow()));
        }
        catch (Exception ex)
        {
            // The bus is down (shutdown, broker outage); the next heartbeat carries the truth.
            LogReportFailed(logger, ex, instanceId, state);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} of {Tenant}/{Function} v{Version} is running in a {Isolation} (pid {Pid}, {Source}; {Phases})")]
    private static partial void LogRunning(ILogger logger, Guid instanceId, string tenant, string function, int version, string isolation, int pid, string source, string phases);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} has egress as {Address} through {HostInterface}")]
    private static partial void LogEgress(ILogger logger, Guid instanceId, string address, string hostInterface);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} failed to start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, Guid instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} ended: {Reason}")]
    private static partial void LogEnded(ILogger logger, Guid instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId}: waiting for its process failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, Guid instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping instance {InstanceId} failed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, Guid instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the cgroup counters of instance {InstanceId} failed")]
    private static partial void LogStatsFailed(ILogger logger, Exception exception, Guid instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending signal {Signal} to container {ContainerId} failed")]
    private static partial void LogKillFailed(ILogger logger, Exception exception, string containerId, int signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting container {ContainerId} failed")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the files of instance {InstanceId} failed")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, Guid instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopted instance {InstanceId} of {Tenant}/{Function} v{Version} (pid {Pid}), left running by a previous run of this agent")]
    private static partial void LogAdopted(ILogger logger, Guid instanceId, string tenant, string function, int version, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} left by a previous run could not be adopted; it is removed")]
    private static partial void LogAdoptFailed(ILogger logger, Exception exception, Guid instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removing container {ContainerId} left by a previous run")]
    private static partial void LogLeftover(ILogger logger, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reporting instance {InstanceId} {State} failed")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, Guid instanceId, string state);
}
