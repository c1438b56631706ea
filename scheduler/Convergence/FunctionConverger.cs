using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;
using Platform.Scheduler.Liveness;
using Platform.Scheduler.Placement;
using Platform.Scheduler.Scaling;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Moves a function's instances toward its desired state, read from the database (the active version or the
/// versions of a traffic split, their settings, the function's min/max instances): start what is missing, and
/// stop instances of other versions only once enough of the serving ones run, so a deploy or rollback never
/// drops to zero. Callers hold the
/// <see cref="SchedulerGate"/>.
/// </summary>
internal sealed partial class FunctionConverger(
    PlatformDbContext db,
    INodeCommands commands,
    IPlacementPolicy placement,
    InstanceActivityTracker activity,
    ConcurrencyAutoscaler autoscaler,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<FunctionConverger> logger)
{
    private readonly SchedulerOptions _options = options.Value;

    /// <summary>
    /// Converges one function: each version that serves (the active one, or each of a traffic split's) on its
    /// own. <paramref name="waiting"/>: requests waiting at a gateway for an instance of <paramref name="waitingFor"/>
    /// (null: the active version), the scale-up seam: enough instances start for them at the function's
    /// concurrency, counting those already starting, up to max. Instances idle for the function's
    /// <c>idleSeconds</c> stop, down to min. Instances of versions that no longer serve stop once every serving
    /// version has what it needs running.
    /// </summary>
    public async Task ConvergeAsync(Guid functionId, int waiting, CancellationToken cancellationToken, int? waitingFor = null)
    {
        var active = await db.Instances
            .Where(i => i.FunctionId == functionId).Where(InstanceStates.IsActive)
            .ToListAsync(cancellationToken);
        var nodes = await db.Nodes.ToDictionaryAsync(n => n.Id, cancellationToken);

        var function = await db.Functions.Include(f => f.Tenant).FirstOrDefaultAsync(f => f.Id == functionId, cancellationToken);
        var targets = function is null ? [] : await ServingVersionsAsync(function, cancellationToken);
        if (function is null || targets.Count == 0)
        {
            autoscaler.Forget(functionId);
            foreach (var instance in active.Where(i => i.State != InstanceState.Stopping))
            {
                await StopAsync(instance, nodes, "the function was removed or has no active version", cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        // The tenant's policy now: a tenant no longer trusted has its containers replaced by microVMs.
        string IsolationOf(FunctionVersion v) => Isolation.For(function.Tenant?.Trusted ?? false, v.Settings.Isolation);
        var live = active.Where(i => i.State != InstanceState.Stopping).ToList();
        var others = live.Where(i => !targets.Any(t => Serves(i, t.Version, IsolationOf(t.Version), nodes))).ToList();
        var othersRunning = others.Count(i => i.State == InstanceState.Running);
        var scaling = function.Settings;
        // Unversioned requests wait for the active version, or for the split's largest share when it has none.
        var requested = waitingFor ?? (targets.Any(t => t.Version.Number == function.ActiveVersion)
            ? function.ActiveVersion
            : targets.MaxBy(t => t.Weight).Version.Number);
        List<NodeCapacity>? capacities = null;
        TenantRoom? room = null;
        var replaced = true;

        foreach (var (version, weight) in targets)
        {
            var isolation = IsolationOf(version);
            var current = live.Where(i => Serves(i, version, isolation, nodes)).ToList();

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

            // Its share of what the old versions had running (a deploy or rollback replaces what serves, never
            // drops to zero under traffic), at least min, at least what the load asks for; idle ones scale in
            // afterwards.
            var share = (othersRunning * weight + 99) / 100;
            var running = current.Where(i => i.State == InstanceState.Running).ToList();
            var scale = autoscaler.Decide(function.Id, version.Number, running, scaling);
            var floor = Math.Max(scaling.MinInstances, share);
            var wanted = Math.Min(Math.Max(floor, scale.Desired), scaling.MaxInstances);
            if (wanted > current.Count)
            {
                LogScaleOut(logger, function.Id, version.Number, current.Count, wanted, scale.Observed, scale.Panicking);
            }
            var waitingHere = version.Number == requested ? waiting : 0;
            if (waitingHere > 0 && current.Count < scaling.MaxInstances)
            {
                // A burst of N cold requests starts about N / concurrency instances, not N and not one at a time.
                var starting = current.Count(i => i.State is InstanceState.Pending or InstanceState.Starting);
                var needed = (waitingHere + scaling.Concurrency - 1) / scaling.Concurrency;
                wanted = Math.Max(wanted, Math.Min(scaling.MaxInstances, current.Count + Math.Max(0, needed - starting)));
            }
            else if (waiting == 0)
            {
                // A row waiting for quota that nothing wants any more (the burst passed) goes; one waiting for a node
                // stays, with its reason, for whoever looks at the instances.
                foreach (var unwanted in current.Where(WaitsForQuota).Take(Math.Max(0, current.Count - wanted)).ToList())
                {
                    await StopAsync(unwanted, nodes, "no longer needed", cancellationToken);
                    current.Remove(unwanted);
                }
                // An instance that served nothing for idleSeconds stops down to min (DESIGN §2), whatever load the
                // stable window still remembers (a burst stays in it for a minute): only an autoscaler asking for more
                // than runs keeps idle ones. What the idle ones leave is not started again.
                var idleFloor = scale.Desired > running.Count ? wanted : floor;
                await ScaleInAsync(current, nodes, scaling, idleFloor, wanted, scale, cancellationToken);
                wanted = Math.Min(wanted, Math.Max(idleFloor, current.Count));
            }

            var unplaced = current.Where(i => i.NodeId is null).ToList();
            if (current.Count < wanted || unplaced.Count > 0)
            {
                if (await IsCrashLoopingAsync(function, version, cancellationToken))
                {
                    LogCrashLoop(logger, function.Id, version.Number, _options.CrashLoopLimit, _options.CrashLoopWindow);
                    SchedulerMetrics.PlacementFailed(SchedulerMetrics.PlacementFailure.CrashLoop);
                }
                else
                {
                    capacities ??= await GetCapacitiesAsync(nodes.Values, cancellationToken);
                    // What the function's serving instances hold counts against the quota; those being replaced do not.
                    var serving = live
                        .Select(i => (Instance: i, Target: targets.FirstOrDefault(t => Serves(i, t.Version, IsolationOf(t.Version), nodes)).Version))
                        .Where(s => s.Target is not null)
                        .Select(s => (s.Instance, s.Target.Settings.MemoryMiB));
                    room ??= await TenantRoom.ForAsync(db, function, serving, cancellationToken);
                    foreach (var pending in unplaced)
                    {
                        await PlaceAsync(pending, function, version, capacities, room, cancellationToken);
                    }

                    // One row per wanted instance, placed or not: one no node can take stays Pending with the reason.
                    // Past the tenant's quota, one waits with that reason (the gateway answers 429 for it), no more.
                    while (current.Count < wanted && (room?.Fits(version.Settings.MemoryMiB) != false || !current.Any(WaitsForQuota)))
                    {
                        var now = time.GetUtcNow();
                        var instance = new Instance
                        {
                            FunctionId = function.Id,
                            VersionNumber = version.Number,
                            Digest = version.Digest,
                            Isolation = isolation,
                            State = InstanceState.Pending,
                            CreatedAt = now,
                            UpdatedAt = now,
                        };
                        db.Instances.Add(instance);
                        current.Add(instance);
                        await PlaceAsync(instance, function, version, capacities, room, cancellationToken);
                    }
                }
            }

            replaced &= current.Count(i => i.State == InstanceState.Running) >= wanted;
        }

        if (replaced)
        {
            var serving = string.Join(", ", targets.Select(t => $"v{t.Version.Number}"));
            foreach (var old in others)
            {
                await StopAsync(old, nodes, $"replaced by {serving}", cancellationToken);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The versions invocations go to, with their percent: a traffic split's, else the active version alone.</summary>
    private async Task<List<(FunctionVersion Version, int Weight)>> ServingVersionsAsync(Function function, CancellationToken cancellationToken)
    {
        var weights = function.Traffic.Count > 0
            ? function.Traffic.Where(t => t.Value > 0).ToDictionary(t => t.Key, t => t.Value)
            : function.ActiveVersion is int active ? new Dictionary<int, int> { [active] = 100 } : [];
        var numbers = weights.Keys.ToList();
        var versions = await db.FunctionVersions
            .Where(v => v.FunctionId == function.Id && numbers.Contains(v.Number))
            .ToListAsync(cancellationToken);
        return versions.OrderBy(v => v.Number).Select(v => (v, weights[v.Number])).ToList();
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
            await ConvergeAsync(functionId, waiting: 0, cancellationToken);
        }

        SchedulerMetrics.PendingInstances(await db.Instances.CountAsync(i => i.State == InstanceState.Pending && i.NodeId == null, cancellationToken));
    }

    // Scale to zero (or to min): running instances of a serving version that served nothing for idleSeconds stop,
    // the longest idle first, never below keepIdle (min, or a deploy's share). A request on its way to one that stops is answered by its grace
    // period or waits for a new instance at the gateway. Under load that needs fewer instances than run (the
    // autoscaler's stable figure, once settled), the extra ones that serve nothing right now stop too, newest first.
    private async Task ScaleInAsync(
        List<Instance> current, IReadOnlyDictionary<string, Node> nodes, FunctionSettings scaling, int keepIdle, int keep, ScaleDecision scale, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var idleAfter = TimeSpan.FromSeconds(scaling.IdleSeconds);
        var idle = current
            .Where(i => i.State == InstanceState.Running)
            .Select(i => (Instance: i, Idle: activity.IdleFor(i, now)))
            .Where(x => x.Idle >= idleAfter)
            .OrderByDescending(x => x.Idle)
            .Take(Math.Max(0, current.Count - keepIdle))
            .ToList();
        foreach (var (instance, idleFor) in idle)
        {
            await StopAsync(instance, nodes, $"idle for {(int)idleFor.TotalSeconds} s (idleSeconds {scaling.IdleSeconds})", cancellationToken);
            current.Remove(instance);
        }

        if (!scale.ScaleIn)
        {
            return;
        }
        var extra = current
            .Where(i => i.State == InstanceState.Running && activity.InFlight(i.Id) == 0)
            .OrderByDescending(i => i.CreatedAt)
            .Take(Math.Max(0, current.Count - keep))
            .ToList();
        foreach (var instance in extra)
        {
            await StopAsync(instance, nodes,
                $"the load needs {scale.Desired} (on average {scale.Observed:0.#} requests in flight, {scaling.TargetUtilization:P0} of concurrency {scaling.Concurrency} per instance)",
                cancellationToken);
            current.Remove(instance);
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

    private static bool WaitsForQuota(Instance instance) =>
        instance.NodeId is null && instance.Error?.StartsWith(Instance.WaitingForQuota, StringComparison.Ordinal) == true;

    // An instance serves the function when it runs the active version in the tenant's isolation on a node that
    // is not going away, or waits for a node that can take it.
    private static bool Serves(Instance instance, FunctionVersion version, string isolation, Dictionary<string, Node> nodes) =>
        instance.VersionNumber == version.Number
        && instance.Digest == version.Digest
        && instance.Isolation == isolation
        && (instance.NodeId is null
            ? instance.State == InstanceState.Pending
            : nodes.TryGetValue(instance.NodeId, out var node) && node.State == NodeState.Ready);

    private async Task<bool> IsCrashLoopingAsync(Function function, FunctionVersion version, CancellationToken cancellationToken)
    {
        var failed = await db.Instances
            .Where(i => i.FunctionId == function.Id && i.VersionNumber == version.Number && i.State == InstanceState.Failed)
            .Select(i => i.UpdatedAt)
            .ToListAsync(cancellationToken);
        var since = time.GetUtcNow() - _options.CrashLoopWindow;
        return failed.Count(at => at > since) >= _options.CrashLoopLimit;
    }

    /// <summary>
    /// Gives a Pending instance without a node to one and tells it; when no node can take it, the instance keeps
    /// waiting with the reason in <see cref="Instance.Error"/> (shown by the instances endpoint).
    /// </summary>
    private async Task PlaceAsync(Instance instance, Function function, FunctionVersion version, List<NodeCapacity> capacities, TenantRoom? room, CancellationToken cancellationToken)
    {
        var settings = version.Settings;
        var overQuota = room?.Fits(settings.MemoryMiB) == false;
        // The tenant's quota counts the memory its function asks for; the node, what the instance holds of it.
        var footprint = Isolation.FootprintMiB(instance.Isolation, settings.MemoryMiB);
        var node = overQuota ? null : placement.Choose(capacities, footprint, instance.Isolation);
        if (node is null)
        {
            var (kind, reason) = overQuota
                ? (SchedulerMetrics.PlacementFailure.Quota, room!.Reason(settings.MemoryMiB))
                : WhyNoNode(capacities, instance.Isolation, footprint, function.Tenant);
            if (instance.Error != reason)
            {
                // Logged (and counted) when the reason changes, not on every reconcile pass.
                LogNoNode(logger, function.Id, reason);
                SchedulerMetrics.PlacementFailed(kind);
                instance.Error = reason;
                instance.UpdatedAt = time.GetUtcNow();
            }

            return;
        }

        room?.Take(settings.MemoryMiB);
        instance.NodeId = node.NodeId;
        instance.Error = null;
        instance.UpdatedAt = time.GetUtcNow();
        // The command commits with the placement (the caller saves once for the whole pass) and goes out after
        // it, so a heartbeat reporting the instance always finds its row.
        var spec = InstanceSpecs.From(settings, instance.Isolation);
        await commands.StartAsync(
            new StartInstance(instance.Id, node.NodeId, function.Id, function.Tenant?.Name ?? "", function.Name, version.Number, version.Digest, spec),
            cancellationToken);

        capacities[capacities.IndexOf(node)] = node with { AllocatedMemoryMiB = node.AllocatedMemoryMiB + footprint };
        LogPlaced(logger, instance.Id, function.Id, version.Number, node.NodeId);
        SchedulerMetrics.Placed(function.Tenant?.Name ?? "", function.Name);
    }

    private static (SchedulerMetrics.PlacementFailure Kind, string Reason) WhyNoNode(List<NodeCapacity> capacities, string isolation, int memoryMiB, Tenant? tenant)
    {
        if (capacities.Count == 0)
        {
            return (SchedulerMetrics.PlacementFailure.NoNode, "waiting for a node: none is ready and uncordoned");
        }

        if (!capacities.Any(c => c.Offers(isolation)))
        {
            var why = isolation == Isolation.MicroVm && tenant is { Trusted: false }
                ? $"tenant '{tenant.Name}' is not trusted, so its functions run only in microVMs"
                : $"the function asks for {isolation}";
            return (SchedulerMetrics.PlacementFailure.NoBackend,
                $"waiting for a node with the {isolation} backend: {why}, and no ready node offers it (a microVM node needs /dev/kvm and a guest kernel)");
        }

        var overhead = isolation == Isolation.MicroVm ? $" (the function's memory and {Isolation.MicroVmOverheadMiB} MiB for the guest's kernel and the VMM)" : "";
        return (SchedulerMetrics.PlacementFailure.NoMemory, $"waiting for a node with {memoryMiB} MiB free for a {isolation}{overhead}");
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
            .Select(i => new { i.NodeId, i.FunctionId, i.VersionNumber, i.Isolation })
            .ToListAsync(cancellationToken);
        var functionIds = placed.Select(p => p.FunctionId).Distinct().ToList();
        var memory = (await db.FunctionVersions.Where(v => functionIds.Contains(v.FunctionId)).ToListAsync(cancellationToken))
            .ToDictionary(v => (v.FunctionId, v.Number), v => v.Settings.MemoryMiB);

        return schedulable
            .Select(n =>
            {
                var scheduled = placed
                    .Where(p => p.NodeId == n.Id)
                    .Sum(p => memory.TryGetValue((p.FunctionId, p.VersionNumber), out var mib) ? Isolation.FootprintMiB(p.Isolation, mib) : 0);
                return new NodeCapacity(n.Id, n.MemoryMiB, Math.Max(n.AllocatedMemoryMiB, scheduled), n.BackendList);
            })
            .ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaling function {FunctionId} v{Version} out from {Current} to {Wanted} instances ({Observed:0.#} requests in flight, panic: {Panicking})")]
    private static partial void LogScaleOut(ILogger logger, Guid functionId, int version, int current, int wanted, double observed, bool panicking);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed instance {InstanceId} of function {FunctionId} v{Version} on node {NodeId}")]
    private static partial void LogPlaced(ILogger logger, Guid instanceId, Guid functionId, int version, string nodeId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping instance {InstanceId} of function {FunctionId} on node {NodeId}: {Reason}")]
    private static partial void LogStopping(ILogger logger, Guid instanceId, Guid functionId, string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No node can take an instance of function {FunctionId}: {Reason}")]
    private static partial void LogNoNode(ILogger logger, Guid functionId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {FunctionId} v{Version} failed to start {Limit} times within {Window}: not starting more for now")]
    private static partial void LogCrashLoop(ILogger logger, Guid functionId, int version, int limit, TimeSpan window);
}
