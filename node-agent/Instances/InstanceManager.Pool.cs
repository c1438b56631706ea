using Microsoft.Extensions.Logging;
using Platform.Contracts;
using Platform.NodeAgent.Networking;
using Platform.Runtime;

namespace Platform.NodeAgent.Instances;

// The containers created ahead of need (ContainerPool decides, this makes and deletes them).
internal sealed partial class InstanceManager
{
    /// <summary>The spares of a deleted function go (its versions will never start again).</summary>
    public Task RemoveSparesAsync(Guid functionId) => DeleteSparesAsync(pool.RemoveFunction(functionId));

    // A spare whose init died while it waited (an operator's kill, say) would fail the start: it is deleted and
    // the next one tried.
    private async Task<SpareContainer?> TakeSpareAsync(string key, CancellationToken token)
    {
        while (pool.TryTake(key) is { } spare)
        {
            try
            {
                if ((await runtime.GetStateAsync(spare.ContainerId, token)).Status == "created")
                {
                    NodeMetrics.PoolTaken(hit: true);
                    return spare;
                }
            }
            catch (RuntimeException e) when (e.Kind == RuntimeErrorKind.ContainerNotFound)
            {
                // Gone: deleted below like one that stopped.
            }
            catch (RuntimeException e)
            {
                // Unreadable (a corrupt state, a host failure): not to be trusted with an instance either.
                LogSpareUnreadable(logger, e, spare.ContainerId);
            }

            await DeleteSpareAsync(spare);
        }

        NodeMetrics.PoolTaken(hit: false);
        return null;
    }

    // Makes one spare for the key when it has fewer than the pool size. The container is made as the instance's
    // would be, under an id of its own: its cgroup, directory and user namespace range are not an instance's yet.
    private async Task FillPoolAsync(string key, StartInstance command, string bundle)
    {
        var fill = pool.TryBeginFill(key, command.FunctionId, out var evicted);
        await DeleteSparesAsync(evicted);
        if (!fill)
        {
            return;
        }

        var id = Guid.NewGuid();
        var spare = new SpareContainer(key, command.FunctionId, id, Path.Combine(NodeDirectories.Instances(_options), id.ToString()));
        try
        {
            Directory.CreateDirectory(spare.Directory);
            if (backends.UserNamespaces)
            {
                spare.HostId = hostIds.Rent();
            }

            spare.Pid = await CreateWithOutputAsync(spare.ContainerId, spare.Directory, bundle,
                spec => InstanceSpecBuilder.Apply(spec, command with { InstanceId = id }, _options, vm: null, spare.HostId),
                (stdout, stderr) => (spare.Stdout, spare.Stderr) = (stdout, stderr), _shutdown.Token);
            spare.Netns = NetnsSocketFactory.OpenNamespace($"/proc/{spare.Pid}/ns/net");
        }
        catch (Exception ex)
        {
            if (!_shutdown.IsCancellationRequested)
            {
                LogSpareFailed(logger, ex, command.Tenant, command.Function, command.Version);
            }

            pool.EndFill(key, null);
            await DeleteSpareAsync(spare);
            return;
        }

        if (!pool.EndFill(key, spare))
        {
            await DeleteSpareAsync(spare);
        }
    }

    private async Task DeleteSparesAsync(IReadOnlyList<SpareContainer> spares)
    {
        foreach (var spare in spares)
        {
            await DeleteSpareAsync(spare);
        }
    }

    private async Task DeleteSpareAsync(SpareContainer spare)
    {
        await ForceDeleteAsync(spare.ContainerId, CancellationToken.None);
        spare.Dispose();
        if (spare.HostId is { } hostId)
        {
            hostIds.Return(hostId);
        }

        RemoveDirectory(spare.Directory, Guid.Parse(spare.ContainerId));
    }

    // Versions not started for PoolIdle give their spares up, checked a few times per PoolIdle.
    private async Task SweepPoolAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, _options.PoolIdle.Ticks / 4)), time);
        try
        {
            while (await timer.WaitForNextTickAsync(_shutdown.Token))
            {
                await DeleteSparesAsync(pool.TakeIdle());
            }
        }
        catch (OperationCanceledException)
        {
            // Shut down: StopAsync deletes what is left.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the state of spare container {ContainerId} failed; it is deleted")]
    private static partial void LogSpareUnreadable(ILogger logger, Exception exception, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating a spare container for {Tenant}/{Function} v{Version} failed")]
    private static partial void LogSpareFailed(ILogger logger, Exception exception, string tenant, string function, int version);
}
