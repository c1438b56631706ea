using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Liveness;

namespace Platform.Scheduler.Consumers;

/// <summary>NodeHeartbeat: registers or updates the node, reconciles its instances, and records what they served.</summary>
internal sealed class NodeHeartbeatConsumer(SchedulerGate gate, NodeRegistry registry, InstanceActivityTracker activity, HeartbeatArrivals arrivals) : IConsumer<NodeHeartbeat>
{
    public async Task Consume(ConsumeContext<NodeHeartbeat> context)
    {
        arrivals.Arrived(context.Message.NodeId);
        activity.Record(context.Message);
        using var held = await gate.EnterAsync(context.CancellationToken);
        await registry.HeartbeatAsync(context.Message, context.CancellationToken);
    }
}
