using MassTransit;
using Microsoft.Extensions.Options;

namespace Platform.NodeAgent.Consumers;

/// <summary>
/// One receive endpoint per node (<c>platform-node-{id}</c>): on RabbitMQ each node then gets its own queue
/// bound to the command exchanges and sees every command, instead of nodes competing for one shared queue.
/// </summary>
internal sealed class NodeCommandsConsumerDefinition : ConsumerDefinition<NodeCommandsConsumer>
{
    public NodeCommandsConsumerDefinition(IOptions<NodeAgentOptions> options)
    {
        EndpointName = $"platform-node-{options.Value.Id}";
    }
}
