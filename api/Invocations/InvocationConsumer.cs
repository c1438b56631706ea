using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Api.Gateway;
using Platform.Api.Options;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Invocations;

/// <summary>
/// Runs a due async invocation once: claims its row (only one api process runs an attempt at a time), keeps the
/// claim alive while it runs, then records the answer, a retry after backoff, or the failure. A duplicate or
/// stale message finds the row not due and does nothing; a process that dies mid-attempt leaves a claim that
/// lapses, and the dispatcher hands the row out again.
/// </summary>
internal sealed partial class InvocationConsumer(
    PlatformDbContext db, InvocationRunner runner, RouteTable routes, IOptions<InvocationOptions> options, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<InvocationConsumer> logger) : IConsumer<InvocationDue>
{
    /// <summary>How long a claim holds without renewal: a killed process's attempt is retried this long after.</summary>
    internal static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(10);

    public async Task Consume(ConsumeContext<InvocationDue> context)
    {
        // The bus lets a consumer finish before it stops; an attempt may wait a cold start plus the function's
        // timeout, so a stopping process cuts it instead and puts the row back for the next process.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        CancellationToken stopping = linked.Token;
        Guid id = context.Message.InvocationId;
        InvocationOptions settings = options.Value;
        DateTimeOffset now = clock.GetUtcNow();
        Invocation? invocation = await db.Invocations.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, stopping);
        if (invocation is null || !IsDue(invocation, now) || invocation.Attempts >= settings.MaxAttempts)
        {
            return;
        }
        int attempt = invocation.Attempts + 1;
        int claimed = await db.Invocations
            .Where(i => i.Id == id && i.Attempts == invocation.Attempts && i.Status == invocation.Status && i.DueAt <= now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, InvocationStatus.Running)
                .SetProperty(i => i.Attempts, attempt)
                .SetProperty(i => i.DueAt, now + ClaimLease)
                .SetProperty(i => i.DispatchedAt, (DateTimeOffset?)null)
                .SetProperty(i => i.UpdatedAt, now), stopping);
        if (claimed == 0)
        {
            return; // another process took it first
        }
        invocation.Attempts = attempt;

        var function = await db.Functions.AsNoTracking().Where(f => f.Id == invocation.FunctionId)
            .Select(f => new { Tenant = f.Tenant!.Name, f.Name }).FirstOrDefaultAsync(stopping);
        FunctionRoute? route = function is null ? null : await routes.FindAsync(function.Tenant, function.Name, stopping);

        AttemptOutcome outcome;
        using (var renewing = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            Task renewal = RenewClaimAsync(id, attempt, renewing.Token);
            try
            {
                outcome = route is null
                    ? new AttemptOutcome(null, null, null, "the function has no active version")
                    : await runner.RunAsync(invocation, route, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // This process is stopping: the attempt was cut short by us, not by the function; it does not count.
                await renewing.CancelAsync();
                await renewal;
                await Requeue(id, attempt, attempt - 1, clock.GetUtcNow(), outcome: null);
                return;
            }
            await renewing.CancelAsync();
            await renewal;
        }

        now = clock.GetUtcNow();
        if (outcome.Succeeded || attempt >= settings.MaxAttempts)
        {
            InvocationStatus status = outcome.Succeeded ? InvocationStatus.Succeeded : InvocationStatus.Failed;
            await db.Invocations.Where(i => i.Id == id && i.Status == InvocationStatus.Running && i.Attempts == attempt)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, status)
                    .SetProperty(i => i.ResponseStatus, outcome.Status)
                    .SetProperty(i => i.ResponseHeaders, outcome.Headers)
                    .SetProperty(i => i.ResponseBody, outcome.Body)
                    .SetProperty(i => i.Error, outcome.Succeeded ? outcome.Error : outcome.Error ?? $"it answered {outcome.Status}")
                    .SetProperty(i => i.UpdatedAt, now), CancellationToken.None);
            InvocationMetrics.Finished(function?.Tenant, function?.Name, status);
            LogFinished(logger, id, status, attempt, outcome.Status, outcome.Error);
            return;
        }
        TimeSpan backoff = Backoff(settings, attempt);
        await Requeue(id, attempt, attempt, now + backoff, outcome);
        InvocationMetrics.Retried(function?.Tenant, function?.Name);
        LogRetry(logger, id, attempt, outcome.Status, outcome.Error, backoff);
    }

    /// <summary>Queued and due, or running under a claim that lapsed (its process stopped).</summary>
    internal static bool IsDue(Invocation invocation, DateTimeOffset now) =>
        invocation.Status is InvocationStatus.Queued or InvocationStatus.Running && invocation.DueAt <= now;

    internal static TimeSpan Backoff(InvocationOptions settings, int failedAttempts)
    {
        double factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(settings.RetryDelay.Ticks * factor, settings.MaxRetryDelay.Ticks));
    }

    /// <summary>Back to the queue, due at <paramref name="due"/>; with the attempt's outcome when it had one.</summary>
    private Task<int> Requeue(Guid id, int claimedAttempt, int attempts, DateTimeOffset due, AttemptOutcome? outcome) =>
        db.Invocations.Where(i => i.Id == id && i.Status == InvocationStatus.Running && i.Attempts == claimedAttempt)
            .ExecuteUpdateAsync(s =>
            {
                s.SetProperty(i => i.Status, InvocationStatus.Queued)
                    .SetProperty(i => i.Attempts, attempts)
                    .SetProperty(i => i.DueAt, due)
                    .SetProperty(i => i.DispatchedAt, (DateTimeOffset?)null)
                    .SetProperty(i => i.UpdatedAt, clock.GetUtcNow());
                if (outcome is not null)
                {
                    s.SetProperty(i => i.ResponseStatus, outcome.Status)
                        .SetProperty(i => i.ResponseHeaders, outcome.Headers)
                        .SetProperty(i => i.ResponseBody, outcome.Body)
                        .SetProperty(i => i.Error, outcome.Error ?? $"it answered {outcome.Status}");
                }
            }, CancellationToken.None);

    /// <summary>Pushes the claim forward while the attempt runs, so only a dead process's claim lapses.</summary>
    private async Task RenewClaimAsync(Guid id, int attempt, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ClaimLease / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                DateTimeOffset until = clock.GetUtcNow() + ClaimLease;
                await db.Invocations.Where(i => i.Id == id && i.Status == InvocationStatus.Running && i.Attempts == attempt)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.DueAt, until), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The attempt ended.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Async invocation {Invocation} {Status} after {Attempts} attempt(s): {ResponseStatus} {Error}")]
    private static partial void LogFinished(ILogger logger, Guid invocation, InvocationStatus status, int attempts, int? responseStatus, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Async invocation {Invocation} attempt {Attempt} failed ({ResponseStatus} {Error}): retried in {Backoff}")]
    private static partial void LogRetry(ILogger logger, Guid invocation, int attempt, int? responseStatus, string? error, TimeSpan backoff);
}
