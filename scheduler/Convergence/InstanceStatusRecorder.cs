using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Persists what node agents report about instances, then converges the function (a Running instance may let
/// old versions stop; a Failed one needs a replacement; Starting needs nothing). Reports can arrive out of order, so a decision the
/// scheduler made (Stopping, or a terminal state) is never undone by a late report.
/// </summary>
internal sealed partial class InstanceStatusRecorder(
    PlatformDbContext db,
    FunctionConverger converger,
    INodeCommands commands,
    TimeProvider time,
    ILogger<InstanceStatusRecorder> logger)
{
    public async Task ApplyAsync(InstanceStatusChanged message, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<InstanceState>(message.State, ignoreCase: true, out var reported) || !Enum.IsDefined(reported))
        {
            LogUnknownState(logger, message.InstanceId, message.State);
            return;
        }

        var instance = await db.Instances.FirstOrDefaultAsync(i => i.Id == message.InstanceId, cancellationToken);
        var alive = reported is InstanceState.Starting or InstanceState.Running;
        if (instance is null || InstanceStates.IsTerminal(instance.State))
        {
            // The scheduler no longer wants it (deleted function, node declared down meanwhile): make sure it goes.
            if (alive)
            {
                await commands.StopAsync(new StopInstance(message.InstanceId, message.NodeId), cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
            }

            return;
        }

        if (instance.State == InstanceState.Stopping && alive)
        {
            return;
        }

        if (reported == InstanceState.Failed)
        {
            SchedulerMetrics.InstanceFailed(instance.State == InstanceState.Running
                ? SchedulerMetrics.InstanceFailure.Crashed
                : SchedulerMetrics.InstanceFailure.StartFailed);
        }

        instance.State = reported;
        instance.Error = message.Error;
        instance.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        LogState(logger, instance.Id, reported, message.NodeId, message.Error);

        // Starting changes nothing the function's convergence counts (it already counted the instance as
        // wanted); skipping it halves the passes a burst of starts puts through the scheduler's one gate.
        if (reported != InstanceState.Starting)
        {
            await converger.ConvergeAsync(instance.FunctionId, waiting: 0, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance {InstanceId}: ignoring unknown state '{State}'")]
    private static partial void LogUnknownState(ILogger logger, Guid instanceId, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} is {State} on node {NodeId} {Error}")]
    private static partial void LogState(ILogger logger, Guid instanceId, InstanceState state, string nodeId, string? error);
}
