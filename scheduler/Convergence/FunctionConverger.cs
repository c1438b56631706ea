using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Scheduler.Placement;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Moves a function's instances toward its desired state, read from the database (the active version, its
/// settings, the function's min/max instances): start what is missing, and stop instances of other versions
/// only once enough of the active version run, so a deploy or rollback never drops to zero. Callers hold the
/// <see cref="SchedulerGate"/>.
/// </summary>
internal sealed partial class FunctionConverger(
    PlatformDbContext db,
    INodeCommands commands,
    IPlacementPolicy placement,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<FunctionConverger> logger)
{
    private readonly SchedulerOptions _options = options.Value;

    /// <summary>Converges one function; with <paramref name="oneMore"/> also starts one more instance (the scale-up seam) when below max and none is starting.</summary>
    public async Task ConvergeAsync(Guid functionId, bool oneMore, CancellationToken cancellationToken)
    {
        var active = await db.Instances
            .Where(i => i.FunctionId == functionId).Where(InstanceStates.IsActive)
            .ToListAsync(cancellationToken);
        var nodes = await db.Nodes.ToDictionaryAsync(n => n.Id, cancellationToken);

        var function = await db.Functions.Include(f => f.Tenant).FirstOrDefaultAsync(f => f.Id == functionId, cancellationToken);
        var version = function?.ActiveVersion is int number
            ? await db.FunctionVersions.FirstOrDefaultAsync(v => v.FunctionId == functionId && v.Number == number, cancellationToken)
            : null;

        if (function is null || version is null)
        {
            foreach (var instance in active.Where(i => i.State != InstanceState.Stopping))
            {
                await StopAsync(instance, nodes, "the function was removed or has no active version", cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var live = active.Where(i => i.State != InstanceState.Stopping).ToList();
        var current = live.Where(i => Serves(i, version, nodes)).ToList();
        var others = live.Where(i => !Serves(i, version, nodes)).ToList();
        var scaling = function.Settings;

        // Above max: drop the least useful first (not yet running, then the newest).
        foreach (var extra in current
                     .OrderBy(i => i.State == InstanceState.Running)
                     .ThenByDescending(i => i.CreatedAt)
                     .Take(Math.Max(0, current.Count - scaling.MaxInstances))
                     .ToList())
        {
            await StopAsync(extra, nodes, "above the function's max instances", cancellationToken);
            current.Remove(extra);
        }

        var wanted = Math.Min(scaling.MinInstances, scaling.MaxInstances);
        if (oneMore && current.Count < scaling.MaxInstances && !current.Any(i => i.State is InstanceState.Pending or InstanceState.Starting))
        {
            wanted = Math.Max(wanted, current.Count + 1);
        }

        if (current.Count < wanted)
        {
            if (await IsCrashLoopingAsync(function, version, cancellationToken))
            {
                LogCrashLoop(logger, function.Id, version.Number, _options.CrashLoopLimit, _options.CrashLoopWindow);
            }
            else
            {
                var capacities = await GetCapacitiesAsync(nodes.Values, cancellationToken);
                while (current.Count < wanted)
                {
                    var instance = await PlaceAsync(function, version, capacities, cancellationToken);
                    if (instance is null)
                    {
                        break;
                    }

                    current.Add(instance);
                }
            }
        }

        if (current.Count(i => i.State == InstanceState.Running) >= Math.Min(scaling.MinInstances, scaling.MaxInstances))
        {
            foreach (var old in others)
            {
                await StopAsync(old, nodes, $"replaced by version {version.Number}", cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Every function that has an active version or still has instances.</summary>
    public async Task ConvergeAllAsync(CancellationToken cancellationToken)
    {
        var withVersion = await db.Functions.Where(f => f.ActiveVersion != null).Select(f => f.Id).ToListAsync(cancellationToken);
        var withInstances = await db.Instances
            .Where(InstanceStates.IsActive)
            .Select(i => i.FunctionId)
            .Distinct()
            .ToListAsync(cancellationToken);
        foreach (var functionId in withVersion.Union(withInstances))
        {
            await ConvergeAsync(functionId, oneMore: false, cancellationToken);
        }
    }

    /// <summary>
    /// Marks the instance Stopping and tells its node; an instance whose node is gone (or that never got one)
    /// is simply Stopped. The caller saves.
    /// </summary>
    public async Task StopAsync(Instance instance, IReadOnlyDictionary<string, Node> nodes, string reason, CancellationToken cancellationToken)
    {
        instance.UpdatedAt = time.GetUtcNow();
        if (instance.NodeId is null || !nodes.TryGetValue(instance.NodeId, out var node) || node.State == NodeState.Down)
        {
            instance.State = InstanceState.Stopped;
            instance.Error ??= reason;
            return;
        }

        LogStopping(logger, instance.Id, instance.FunctionId, instance.NodeId, reason);
        instance.State = InstanceState.Stopping;
        await commands.StopAsync(new StopInstance(instance.Id, instance.NodeId), cancellationToken);
    }

    // An instance serves the function when it runs the active version on a node that is not going away.
    private static bool Serves(Instance instance, FunctionVersion version, IReadOnlyDictionary<string, Node> nodes) =>
        instance.VersionNumber == version.Number
        && instance.Digest == version.Digest
        && instance.NodeId is not null
        && nodes.TryGetValue(instance.NodeId, out var node)
        && node.State == NodeState.Ready;

    private async Task<bool> IsCrashLoopingAsync(Function function, FunctionVersion version, CancellationToken cancellationToken)
    {
        var failed = await db.Instances
            .Where(i => i.FunctionId == function.Id && i.VersionNumber == version.Number && i.State == InstanceState.Failed)
            .Select(i => i.UpdatedAt)
            .ToListAsync(cancellationToken);
        var since = time.GetUtcNow() - _options.CrashLoopWindow;
        return failed.Count(at => at > since) >= _options.CrashLoopLimit;
    }

    private async Task<Instance?> PlaceAsync(Function function, FunctionVersion version, List<NodeCapacity> capacities, CancellationToken cancellationToken)
    {
        var settings = version.Settings;
        var node = placement.Choose(capacities, settings.MemoryMiB);
        if (node is null)
        {
            LogNoNode(logger, function.Id, settings.MemoryMiB, capacities.Count);
            return null;
        }

        var now = time.GetUtcNow();
        var instance = new Instance
        {
            FunctionId = function.Id,
            VersionNumber = version.Number,
            Digest = version.Digest,
            NodeId = node.NodeId,
            State = InstanceState.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Instances.Add(instance);
        // Saved before the node hears of it, so a heartbeat reporting the instance always finds its row.
        await db.SaveChangesAsync(cancellationToken);

        capacities[capacities.IndexOf(node)] = node with { AllocatedMemoryMiB = node.AllocatedMemoryMiB + settings.MemoryMiB };
        LogPlaced(logger, instance.Id, function.Id, version.Number, node.NodeId);

        var spec = new InstanceSpec(
            settings.MemoryMiB,
            settings.CpuMillis,
            settings.TimeoutSeconds,
            settings.Concurrency,
            settings.Port,
            new Dictionary<string, string>(settings.Env),
            settings.Isolation ?? "container");
        await commands.StartAsync(
            new StartInstance(instance.Id, node.NodeId, function.Id, function.Tenant?.Name ?? "", function.Name, version.Number, version.Digest, spec),
            cancellationToken);
        return instance;
    }

    /// <summary>
    /// Free memory per schedulable node. Allocation is the larger of what the node last reported and what the
    /// scheduler has placed there, so instances placed since the last heartbeat are not counted as free.
    /// </summary>
    private async Task<List<NodeCapacity>> GetCapacitiesAsync(IEnumerable<Node> nodes, CancellationToken cancellationToken)
    {
        var schedulable = nodes.Where(n => n.State == NodeState.Ready && !n.Cordoned).ToList();
        if (schedulable.Count == 0)
        {
            return [];
        }

        var placed = await db.Instances
            .Where(i => i.NodeId != null).Where(InstanceStates.IsActive)
            .Select(i => new { i.NodeId, i.FunctionId, i.VersionNumber })
            .ToListAsync(cancellationToken);
        var functionIds = placed.Select(p => p.FunctionId).Distinct().ToList();
        var memory = (await db.FunctionVersions.Where(v => functionIds.Contains(v.FunctionId)).ToListAsync(cancellationToken))
            .ToDictionary(v => (v.FunctionId, v.Number), v => v.Settings.MemoryMiB);

        return schedulable
            .Select(n =>
            {
                var scheduled = placed
                    .Where(p => p.NodeId == n.Id)
                    .Sum(p => memory.TryGetValue((p.FunctionId, p.VersionNumber), out var mib) ? mib : 0);
                return new NodeCapacity(n.Id, n.MemoryMiB, Math.Max(n.AllocatedMemoryMiB, scheduled));
            })
            .ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed instance {InstanceId} of function {FunctionId} v{Version} on node {NodeId}")]
    private static partial void LogPlaced(ILogger logger, Guid instanceId, Guid functionId, int version, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping instance {InstanceId} of function {FunctionId} on node {NodeId}: {Reason}")]
    private static partial void LogStopping(ILogger logger, Guid instanceId, Guid functionId, string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No node can take an instance of function {FunctionId} ({MemoryMiB} MiB; {Candidates} schedulable nodes)")]
    private static partial void LogNoNode(ILogger logger, Guid functionId, int memoryMiB, int candidates);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionId} v{Version} failed to start {Limit} times within {Window}: not starting more for now")]
    private static partial void LogCrashLoop(ILogger logger, Guid functionId, int version, int limit, TimeSpan window);
}
