using System.Collections.Concurrent;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Platform.Contracts;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Turns every committed change of an instance into or out of Running into <see cref="InstanceReady"/> or
/// <see cref="InstanceGone"/> for the gateways, whichever code path made it (a node's report, a stop, a lost
/// node). Watching the saves rather than each call site means no transition can be missed.
/// </summary>
internal sealed class InstanceEventsInterceptor(Func<object, CancellationToken, Task> publish, TimeProvider time) : SaveChangesInterceptor
{
    private readonly ConcurrentDictionary<DbContext, List<object>> _pending = new();

    public InstanceEventsInterceptor(IBus bus, TimeProvider time)
        : this((message, cancellationToken) => bus.Publish(message, cancellationToken), time)
    {
    }

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && await CollectAsync(context, cancellationToken) is { Count: > 0 } events)
        {
            _pending[context] = events;
        }
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && _pending.TryRemove(context, out List<object>? events))
        {
            foreach (object message in events)
            {
                await publish(message, cancellationToken);
            }
        }
        return result;
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            _pending.TryRemove(context, out _);
        }
        return Task.CompletedTask;
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
