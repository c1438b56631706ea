using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Liveness;

/// <summary>
/// The scheduler's clock: declares silent nodes Down, then converges every function. Events drive the
/// scheduler; this loop repairs whatever an event could not (no node had room yet, a lost message, a restart).
/// </summary>
internal sealed partial class ReconcileService(
    IServiceScopeFactory scopes,
    SchedulerGate gate,
    IOptions<SchedulerOptions> options,
    TimeProvider time,
    ILogger<ReconcileService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, time);
        do
        {
            try
            {
                await ReconcileOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be briefly unavailable (migrations at start-up, a fleet failover): try next tick.
                LogFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    internal async Task ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        using var held = await gate.EnterAsync(cancellationToken);
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<NodeRegistry>().MarkSilentNodesDownAsync(cancellationToken);
        await scope.ServiceProvider.GetRequiredService<FunctionConverger>().ConvergeAllAsync(cancellationToken);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler reconcile pass failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
