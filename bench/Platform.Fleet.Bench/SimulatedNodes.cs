using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Platform.Contracts;

namespace Platform.Fleet.Bench;

/// <summary>
/// Many node agents as the scheduler sees them over RabbitMQ: heartbeats with capacity and instance lists, and
/// answers to <see cref="StartInstance"/> (Running at once) and <see cref="StopInstance"/> (Stopped). Nothing
/// runs: this measures the scheduler and the bus, not containers. Records when each start command arrived.
/// </summary>
internal sealed class SimulatedNodes(IReadOnlyList<string> nodeIds, int memoryMiB)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, int>> _running =
        new(nodeIds.Select(id => KeyValuePair.Create(id, new ConcurrentDictionary<Guid, int>())));

    /// <summary>Instance → when its start command arrived (Stopwatch ticks) and the function it belongs to.</summary>
    public ConcurrentDictionary<Guid, (long At, Guid Function, string Node)> Started { get; } = new();

    public IEnumerable<int> InstancesPerNode => _running.Values.Select(n => n.Count);

    public async Task HeartbeatAsync(IBus bus, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        await Task.WhenAll(_running.Select(node => bus.Publish(new NodeHeartbeat(
            node.Key, "http://127.0.0.1:9/", memoryMiB, node.Value.Values.Sum(), 16, node.Value.Keys.ToList(), now, [Isolation.Container], []),
            cancellationToken)));
    }

    public sealed class StartConsumer(SimulatedNodes nodes) : IConsumer<StartInstance>
    {
        public async Task Consume(ConsumeContext<StartInstance> context)
        {
            var command = context.Message;
            if (!nodes._running.TryGetValue(command.NodeId, out var node))
            {
                return;
            }
            nodes.Started.TryAdd(command.InstanceId, (Stopwatch.GetTimestamp(), command.FunctionId, command.NodeId));
            node[command.InstanceId] = command.Spec.MemoryMiB;
            await context.Publish(new InstanceStatusChanged(command.InstanceId, command.NodeId, "Running", null, DateTimeOffset.UtcNow));
        }
    }

    public sealed class StopConsumer(SimulatedNodes nodes) : IConsumer<StopInstance>
    {
        public async Task Consume(ConsumeContext<StopInstance> context)
        {
            var command = context.Message;
            if (nodes._running.TryGetValue(command.NodeId, out var node) && node.TryRemove(command.InstanceId, out _))
            {
                await context.Publish(new InstanceStatusChanged(command.InstanceId, command.NodeId, "Stopped", null, DateTimeOffset.UtcNow));
            }
        }
    }
}
