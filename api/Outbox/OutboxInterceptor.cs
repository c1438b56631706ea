using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Platform.Api.Correlation;
using Platform.Data.Entities;

namespace Platform.Api.Outbox;

/// <summary>
/// Hands the outbox rows a save committed to this process's <see cref="OutboxRelay"/> at once, so a message
/// costs no poll: after the save, or after the transaction around it commits (rows of a rolled-back
/// transaction never go out). Stamps each new row with the correlation id of the scope that writes it.
/// </summary>
internal sealed class OutboxInterceptor(OutboxRelay relay) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    // Rows saved inside a transaction that has not committed yet, per context (weakly: a context disposed with
    // its transaction never ended takes its rows with it).
    private readonly ConditionalWeakTable<DbContext, List<OutboxMessage>> _uncommitted = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Handover(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Handover(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Stamp(DbContext? context)
    {
        if (context is not null)
        {
            string? correlation = null;
            foreach (var entry in context.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Added))
            {
                correlation ??= ScopeCorrelation(context);
                entry.Entity.CorrelationId ??= correlation;
            }
        }
    }

    private void Handover(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        // Saved rows are Unchanged now; detaching them marks them handed (and keeps the context small).
        var saved = context.ChangeTracker.Entries<OutboxMessage>().Where(e => e.State == EntityState.Unchanged).ToList();
        if (saved.Count == 0)
        {
            return;
        }
        var messages = saved.Select(e => e.Entity).ToList();
        saved.ForEach(e => e.State = EntityState.Detached);
        if (context.Database.CurrentTransaction is null)
        {
            relay.Hand(messages);
        }
        else
        {
            _uncommitted.GetOrCreateValue(context).AddRange(messages);
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is { } context && _uncommitted.TryGetValue(context, out var messages))
        {
            _uncommitted.Remove(context);
            relay.Hand(messages);
        }
    }

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(eventData.Context);

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _uncommitted.Remove(context);
        }
    }

    // The context was made in a DI scope (a request's or a consumer's); that scope knows its correlation id.
    private static string? ScopeCorrelation(DbContext context) =>
        context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider
            ?.GetService<CorrelationContext>()?.Id;
}
