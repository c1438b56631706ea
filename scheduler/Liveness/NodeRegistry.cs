using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Liveness;

/// <summary>
/// What the scheduler knows about nodes: registration and heartbeats, drain, and declaring silent nodes Down.
/// A heartbeat also reconciles instances: ones the node runs but the scheduler does not want are stopped, and
/// ones the scheduler placed there but the node no longer reports (after a grace period) are replaced.
/// </summary>
internal sealed partial class NodeRegistry(
    PlatformDbContext db,
    FunctionConverger converger,
    INodeCommands commands,
    HeartbeatArrivals arrivals,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<NodeRegistry> logger)
{
    private readonly SchedulerOptions _options = options.Value;

    public async Task HeartbeatAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == heartbeat.NodeId, cancellationToken);
        var gainedCapacity = false;
        if (node is null)
        {
            node = new Node { Id = heartbeat.NodeId };
            db.Nodes.Add(node);
            gainedCapacity = true;
            LogRegistered(logger, heartbeat.NodeId, heartbeat.MemoryMiB, heartbeat.Cpus);
        }
        else if (node.State == NodeState.Down || (node.State == NodeState.Draining && !node.Cordoned))
        {
            // Back after being declared down, or uncordoned after a drain.
            node.State = NodeState.Ready;
            gainedCapacity = true;
            LogBack(logger, node.Id);
        }

        node.Address = heartbeat.Url;
        var backends = string.Join(',', heartbeat.Backends ?? [Isolation.Container]);
        if (node.Backends != backends)
        {
            // A node that gained a backend (KVM came up, a guest kernel was installed) may take waiting instances.
            gainedCapacity |= !node.BackendList.ToHashSet().IsSupersetOf(heartbeat.Backends ?? []);
            node.Backends = backends;
        }

        node.MemoryMiB = heartbeat.MemoryMiB;
        node.AllocatedMemoryMiB = heartbeat.AllocatedMemoryMiB;
        node.Cpus = heartbeat.Cpus;
        // The scheduler's clock, not the node's: liveness must not depend on clock skew between hosts.
        node.LastHeartbeat = now;

        var reported = heartbeat.Instances.ToHashSet();
        var reportedIds = reported.ToList();
        var reportedRows = await db.Instances.Where(i => reportedIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, cancellationToken);
        foreach (var id in reported)
        {
            if (!reportedRows.TryGetValue(id, out var row) || InstanceStates.IsTerminal(row.State) || row.NodeId != node.Id)
            {
                await commands.StopAsync(new StopInstance(id, node.Id), cancellationToken);
            }
        }

        var affected = new HashSet<Guid>();
        // The node serves it (it reports its activity) while the row still says Pending or Starting: its Running
        // report was lost (a broker outage). Without this repair no gateway would ever route to it.
        foreach (var activity in heartbeat.Activity ?? [])
        {
            if (reportedRows.TryGetValue(activity.InstanceId, out var row) && row.NodeId == node.Id
                && row.State is InstanceState.Pending or InstanceState.Starting)
            {
                LogRepairedRunning(logger, row.Id, node.Id);
                row.State = InstanceState.Running;
                row.Error = null;
                row.UpdatedAt = now;
                affected.Add(row.FunctionId);
            }
        }

        var expected = await db.Instances
            .Where(i => i.NodeId == node.Id).Where(InstanceStates.IsActive)
            .ToListAsync(cancellationToken);
        foreach (var row in expected.Where(r => !reported.Contains(r.Id)))
        {
            // The grace runs from the latest news of it (placed, Starting, Running), not from its creation: an
            // instance that waited long for a node, or whose start took long on a busy one, is not lost the moment
            // it fails to appear, and a failed start's own report gets the time to say why.
            if (row.State != InstanceState.Stopping && now - row.UpdatedAt < _options.LostInstanceGrace)
            {
                continue;
            }

            row.Error = row.State == InstanceState.Stopping ? row.Error : $"node {node.Id} no longer runs it";
            row.State = InstanceState.Stopped;
            row.UpdatedAt = now;
            affected.Add(row.FunctionId);
        }

        await db.SaveChangesAsync(cancellationToken);

        if (gainedCapacity)
        {
            await converger.ConvergeAllAsync(cancellationToken);
            return;
        }

        foreach (var functionId in affected)
        {
            await converger.ConvergeAsync(functionId, waiting: 0, cancellationToken);
        }
    }

    /// <summary>A cordoned node keeps its instances but gets no new ones; uncordoning ends a drain. Null: no such node.</summary>
    public async Task<Node?> CordonAsync(string nodeId, bool cordoned, CancellationToken cancellationToken)
    {
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == nodeId, cancellationToken);
        if (node is null)
        {
            LogUnknownNode(logger, nodeId);
            return null;
        }

        node.Cordoned = cordoned;
        if (!cordoned && node.State == NodeState.Draining)
        {
            node.State = NodeState.Ready;
        }

        await db.SaveChangesAsync(cancellationToken);
        LogCordon(logger, nodeId, cordoned);
        if (!cordoned)
        {
            await converger.ConvergeAllAsync(cancellationToken);
        }

        return node;
    }

    /// <summary>Cordons the node and moves its instances: replacements start elsewhere, then the originals stop. Null: no such node.</summary>
    public async Task<Node?> DrainAsync(string nodeId, CancellationToken cancellationToken)
    {
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Id == nodeId, cancellationToken);
        if (node is null)
        {
            LogUnknownNode(logger, nodeId);
            return null;
        }

        node.Cordoned = true;
        if (node.State != NodeState.Down)
        {
            node.State = NodeState.Draining;
        }

        await db.SaveChangesAsync(cancellationToken);
        LogDraining(logger, nodeId);

        var functionIds = await db.Instances
            .Where(i => i.NodeId == nodeId).Where(InstanceStates.IsActive)
            .Select(i => i.FunctionId)
            .Distinct()
            .ToListAsync(cancellationToken);
        foreach (var functionId in functionIds)
        {
            await converger.ConvergeAsync(functionId, waiting: 0, cancellationToken);
        }

        return node;
    }

    /// <summary>
    /// Declares nodes without a heartbeat for <see cref="SchedulerOptions.NodeTimeout"/> Down (by arrival, not by
    /// when the scheduler got to it: <see cref="HeartbeatArrivals"/>); their instances count as stopped and get replaced.
    /// </summary>
    public async Task MarkSilentNodesDownAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var silent = (await db.Nodes.Where(n => n.State != NodeState.Down).ToListAsync(cancellationToken))
            .Where(n => now - arrivals.LastHeard(n.Id, n.LastHeartbeat) > _options.NodeTimeout)
            .ToList();
        if (silent.Count == 0)
        {
            return;
        }

        var ids = silent.Select(n => n.Id).ToList();
        var orphans = await db.Instances
            .Where(i => i.NodeId != null && ids.Contains(i.NodeId)).Where(InstanceStates.IsActive)
            .ToListAsync(cancellationToken);
        foreach (var node in silent)
        {
            node.State = NodeState.Down;
            LogDown(logger, node.Id, node.LastHeartbeat);
        }

        foreach (var instance in orphans)
        {
            // Stopped, not Failed: the function did nothing wrong, so this must not count toward its crash loop.
            if (instance.State != InstanceState.Stopping)
            {
                SchedulerMetrics.InstanceFailed(SchedulerMetrics.InstanceFailure.NodeLost);
            }

            instance.State = InstanceState.Stopped;
            instance.Error = $"node {instance.NodeId} stopped sending heartbeats";
            instance.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} registered ({MemoryMiB} MiB, {Cpus} CPUs)")]
    private static partial void LogRegistered(ILogger logger, string nodeId, int memoryMiB, int cpus);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} is Ready again")]
    private static partial void LogBack(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining node {NodeId}")]
    private static partial void LogDraining(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} cordoned: {Cordoned}")]
    private static partial void LogCordon(ILogger logger, string nodeId, bool cordoned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cordon or drain requested for unknown node {NodeId}")]
    private static partial void LogUnknownNode(ILogger logger, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId} runs on node {NodeId} by its heartbeat, but its Running report never arrived: marked Running")]
    private static partial void LogRepairedRunning(ILogger logger, Guid instanceId, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} is Down: last heartbeat at {LastHeartbeat}")]
    private static partial void LogDown(ILogger logger, string nodeId, DateTimeOffset lastHeartbeat);
}
