using MassTransit;
using Platform.Contracts;
using Platform.Data.Entities;
using Platform.Scheduler.Liveness;

namespace Platform.Scheduler.Consumers;

/// <summary>
/// Cordon, uncordon and drain from the api: requests, so the api can answer with the node as the scheduler (its
/// only writer) now records it.
/// </summary>
internal sealed class NodeOperationsConsumer(SchedulerGate gate, NodeRegistry registry) : IConsumer<CordonNode>, IConsumer<DrainNode>
{
    public async Task Consume(ConsumeContext<CordonNode> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await RespondAsync(context, context.Message.NodeId, await registry.CordonAsync(context.Message.NodeId, context.Message.Cordoned, context.CancellationToken));
    }

    public async Task Consume(ConsumeContext<DrainNode> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await RespondAsync(context, context.Message.NodeId, await registry.DrainAsync(context.Message.NodeId, context.CancellationToken));
    }

    private static Task RespondAsync(ConsumeContext context, string nodeId, Node? node) =>
        node is null
            ? context.RespondAsync(new NodeNotFound(nodeId))
            : context.RespondAsync(new NodeChanged(
                node.Id, node.Address, node.MemoryMiB, node.AllocatedMemoryMiB, node.Cpus, node.Cordoned,
                node.State.ToString().ToLowerInvariant(), node.LastHeartbeat, node.BackendList));
}
