using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Liveness;

namespace Platform.Scheduler.Consumers;

/// <summary>NodeDrainRequested: cordons the node and moves its instances elsewhere.</summary>
internal sealed class NodeDrainRequestedConsumer(SchedulerGate gate, NodeRegistry registry) : IConsumer<NodeDrainRequested>
{
    public async Task Consume(ConsumeContext<NodeDrainRequested> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await registry.DrainAsync(context.Message.NodeId, context.CancellationToken);
    }
}
