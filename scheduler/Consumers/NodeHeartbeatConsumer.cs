using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Liveness;

namespace Platform.Scheduler.Consumers;

/// <summary>NodeHeartbeat: registers or updates the node and reconciles its instances.</summary>
internal sealed class NodeHeartbeatConsumer(SchedulerGate gate, NodeRegistry registry) : IConsumer<NodeHeartbeat>
{
    public async Task Consume(ConsumeContext<NodeHeartbeat> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await registry.HeartbeatAsync(context.Message, context.CancellationToken);
    }
}
