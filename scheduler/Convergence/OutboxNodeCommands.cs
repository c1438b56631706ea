using Platform.Contracts;
using Platform.Data;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Node commands go out through the outbox: written with the instance change that causes them and published by
/// the host's relay once that change commits (so a node never hears of an instance whose row was not saved, and
/// a crash between the two loses nothing). The caller saves. Every node agent subscribes with its own queue and
/// acts only on commands naming it, so the same code works on the in-memory bus and on RabbitMQ with many nodes.
/// </summary>
internal sealed class OutboxNodeCommands(PlatformDbContext db) : INodeCommands
{
    public Task StartAsync(StartInstance command, CancellationToken cancellationToken)
    {
        db.Enqueue(command);
        return Task.CompletedTask;
    }

    public Task StopAsync(StopInstance command, CancellationToken cancellationToken)
    {
        db.Enqueue(command);
        return Task.CompletedTask;
    }
}
