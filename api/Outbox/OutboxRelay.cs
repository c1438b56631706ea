using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Correlation;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Outbox;

/// <summary>
/// Publishes the outbox: the rows this process committed, handed over by <see cref="OutboxInterceptor"/> the
/// moment they commit (no poll on the path of a deploy or a cold start), and every
/// <see cref="OutboxOptions.PollInterval"/> the rows older than <see cref="OutboxOptions.LeftOverAfter"/> that
/// no process published (written by one that died, or whose publish failed while the bus was down), which any
/// process with a database runs, each taking a batch for <see cref="OutboxOptions.ClaimFor"/>. A row is deleted
/// once published; a crash in between publishes it again later, so delivery is at least once.
/// </summary>
internal sealed partial class OutboxRelay(
    IServiceScopeFactory scopes, IBus bus, IOptions<OutboxOptions> options, TimeProvider clock, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int Batch = 200;

    private readonly Channel<OutboxMessage> _committed = Channel.CreateUnbounded<OutboxMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Guid _relayId = Guid.NewGuid();

    /// <summary>Rows that just committed in this process, to publish now.</summary>
    public void Hand(IEnumerable<OutboxMessage> messages)
    {
        foreach (var message in messages)
        {
            _committed.Writer.TryWrite(message);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(PublishCommittedAsync(stoppingToken), PollLeftOversAsync(stoppingToken));

    private async Task PublishCommittedAsync(CancellationToken stoppingToken)
    {
        var published = new List<long>();
        try
        {
            while (await _committed.Reader.WaitToReadAsync(stoppingToken))
            {
                while (published.Count < Batch && _committed.Reader.TryRead(out var message))
                {
                    if (await TryPublishAsync(message, stoppingToken))
                    {
                        published.Add(message.Id);
                    }
                }
                // Deleted in batches, after the messages are out: the delete is never on their path.
                await DeleteAsync(published, stoppingToken);
                published.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PollLeftOversAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.PollInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await PublishLeftOversAsync(settings, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogPollFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishLeftOversAsync(OutboxOptions settings, CancellationToken stoppingToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var now = clock.GetUtcNow();
        var before = now - settings.LeftOverAfter;
        var candidates = await db.Outbox
            .Where(m => m.CreatedAt < before && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.Id)
            .Select(m => m.Id)
            .Take(Batch)
            .ToListAsync(stoppingToken);
        if (candidates.Count == 0)
        {
            return;
        }

        // Taken only where still free, so two relays never both take a row.
        var until = now + settings.ClaimFor;
        await db.Outbox
            .Where(m => candidates.Contains(m.Id) && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.ClaimedUntil, until).SetProperty(m => m.ClaimedBy, _relayId), stoppingToken);
        var taken = await db.Outbox.AsNoTracking()
            .Where(m => candidates.Contains(m.Id) && m.ClaimedBy == _relayId && m.ClaimedUntil == until)
            .OrderBy(m => m.Id)
            .ToListAsync(stoppingToken);

        var published = new List<long>();
        foreach (var message in taken)
        {
            if (!await TryPublishAsync(message, stoppingToken))
            {
                break; // the bus is down: the rest keep their order and wait for the claim to lapse
            }
            published.Add(message.Id);
        }
        if (published.Count > 0)
        {
            LogLeftOvers(logger, published.Count);
            await DeleteAsync(published, stoppingToken);
        }
    }

    private async Task<bool> TryPublishAsync(OutboxMessage row, CancellationToken stoppingToken)
    {
        try
        {
            var (message, type) = row.Read();
            await bus.Publish(message, type, Pipe.Execute<PublishContext>(context =>
            {
                if (row.CorrelationId is { } id)
                {
                    context.Headers.Set(CorrelationId.Header, id);
                }
            }), stoppingToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Left in the table: a relay's poll publishes it once it is a left-over.
            LogPublishFailed(logger, e, row.Id, row.Type);
            return false;
        }
    }

    private async Task DeleteAsync(List<long> ids, CancellationToken stoppingToken)
    {
        if (ids.Count == 0)
        {
            return;
        }
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Outbox
                .Where(m => ids.Contains(m.Id))
                .ExecuteDeleteAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Published but still there: published again once left over (consumers are idempotent).
            LogDeleteFailed(logger, e, ids.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id} ({Type}) could not be published; it is retried as a left-over")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, long id, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} published outbox messages could not be deleted; they will be published again")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published {Count} left-over outbox messages")]
    private static partial void LogLeftOvers(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox poll failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
