using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Invocations;

/// <summary>
/// Hands out async invocations the bus alone would lose: retries whose backoff is over, rows whose message went
/// with a process (the in-memory transport keeps nothing across a restart), and claims of a process that died.
/// Every api process runs one; two publishing the same row is harmless (the consumer's claim picks one). Also
/// fails rows whose last attempt's process died, and forgets finished invocations after the retention.
/// </summary>
internal sealed partial class InvocationDispatcher(
    IServiceScopeFactory scopes, IOptions<InvocationOptions> options, TimeProvider clock, ILogger<InvocationDispatcher> logger) : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        InvocationOptions settings = options.Value;
        // The first pass after a start publishes every due row: messages published before it may be gone.
        bool started = true;
        DateTimeOffset lastCleanup = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(settings.DispatchInterval, clock);
        do
        {
            try
            {
                await using AsyncServiceScope scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
                DateTimeOffset now = clock.GetUtcNow();
                await FailAbandonedAsync(db, settings, now, stoppingToken);
                await DispatchAsync(db, scope.ServiceProvider.GetRequiredService<IPublishEndpoint>(), started ? now : now - settings.RedispatchAfter, now, stoppingToken);
                started = false;
                if (now - lastCleanup > TimeSpan.FromMinutes(1))
                {
                    lastCleanup = now;
                    DateTimeOffset cutoff = now - settings.Retention;
                    await db.Invocations
                        .Where(i => (i.Status == InvocationStatus.Succeeded || i.Status == InvocationStatus.Failed) && i.UpdatedAt < cutoff)
                        .ExecuteDeleteAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Due rows not published since <paramref name="publishedBefore"/>: published now.</summary>
    private static async Task DispatchAsync(PlatformDbContext db, IPublishEndpoint bus, DateTimeOffset publishedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<Guid> due = await db.Invocations
            .Where(i => (i.Status == InvocationStatus.Queued || i.Status == InvocationStatus.Running) && i.DueAt <= now
                && (i.DispatchedAt == null || i.DispatchedAt <= publishedBefore))
            .OrderBy(i => i.DueAt).Select(i => i.Id).Take(Batch).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return;
        }
        await db.Invocations.Where(i => due.Contains(i.Id)).ExecuteUpdateAsync(s => s.SetProperty(i => i.DispatchedAt, now), cancellationToken);
        await bus.PublishBatch(due.Select(id => new InvocationDue(id)), cancellationToken);
    }

    /// <summary>A lapsed claim with no attempts left: its last attempt's process stopped before it finished.</summary>
    private static Task<int> FailAbandonedAsync(PlatformDbContext db, InvocationOptions settings, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.Invocations
            .Where(i => i.Status == InvocationStatus.Running && i.DueAt <= now && i.Attempts >= settings.MaxAttempts)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, InvocationStatus.Failed)
                .SetProperty(i => i.Error, "the process running its last attempt stopped before the attempt finished")
                .SetProperty(i => i.UpdatedAt, now), cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dispatching async invocations failed; trying again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
