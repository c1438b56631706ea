using Platform.Contracts;

namespace Platform.Scheduler.Convergence;

/// <summary>How the scheduler tells node agents what to run: the outbox in production (the caller saves), a recorder in unit tests.</summary>
public interface INodeCommands
{
    Task StartAsync(StartInstance command, CancellationToken cancellationToken);

    Task StopAsync(StopInstance command, CancellationToken cancellationToken);
}
