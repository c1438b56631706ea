using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Turns every change of an instance into or out of Running into <see cref="InstanceReady"/> or
/// <see cref="InstanceGone"/> for the gateways, whichever code path made it (a node's report, a stop, a lost
/// node), written to the outbox in the same save, so an event goes out exactly when its change commits.
/// Watching the saves rather than each call site means no transition can be missed.
/// </summary>
internal sealed class InstanceEventsInterceptor(TimeProvider time) : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            foreach (object message in await CollectAsync(context, cancellationToken))
            {
                context.Add(OutboxMessage.For(message));
            }
        }
        return result;
    }

    private async Task<List<object>> CollectAsync(DbContext context, CancellationToken cancellationToken)
    {
        var events = new List<object>();
        DateTimeOffset now = time.GetUtcNow();
        foreach (EntityEntry<Instance> entry in context.ChangeTracker.Entries<Instance>().ToList())
        {
            Instance instance = entry.Entity;
            InstanceState before = entry.State == EntityState.Added ? InstanceState.Pending : entry.Property(i => i.State).OriginalValue;
            InstanceState after = entry.State == EntityState.Deleted ? InstanceState.Stopped : instance.State;
            if (before == after)
            {
                continue;
            }
            if (after == InstanceState.Running)
            {
                Node? node = instance.NodeId is null ? null : await context.Set<Node>().FindAsync([instance.NodeId], cancellationToken);
                if (node?.Address is { Length: > 0 } url)
                {
                    events.Add(new InstanceReady(instance.Id, instance.FunctionId, instance.VersionNumber, node.Id, url, now));
                }
            }
            else if (before == InstanceState.Running)
            {
                events.Add(new InstanceGone(instance.Id, instance.FunctionId, instance.Error ?? after.ToString().ToLowerInvariant(), now));
            }
        }
        return events;
    }
}
