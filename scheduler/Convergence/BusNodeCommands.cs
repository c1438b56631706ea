using MassTransit;
using Platform.Contracts;

namespace Platform.Scheduler.Convergence;

/// <summary>
/// Publishes node commands. Every node agent subscribes with its own queue and acts only on commands naming
/// it, so the same code works on the in-memory bus and on RabbitMQ with many nodes.
/// </summary>
internal sealed class BusNodeCommands(IPublishEndpoint publishEndpoint) : INodeCommands
{
    public Task StartAsync(StartInstance command, CancellationToken cancellationToken) =>
        publishEndpoint.Publish(command, cancellationToken);

    public Task StopAsync(StopInstance command, CancellationToken cancellationToken) =>
        publishEndpoint.Publish(command, cancellationToken);
}
