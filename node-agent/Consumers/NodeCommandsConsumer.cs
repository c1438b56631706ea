using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.NodeAgent.Bundles;
using Platform.NodeAgent.Instances;
using Platform.NodeAgent.Logs;

namespace Platform.NodeAgent.Consumers;

/// <summary>
/// Start and stop commands from the scheduler (every node receives them and acts on its own only), and the
/// api's function deletions, after which this node's microVM root disks, spare containers and log tail of that function go.
/// </summary>
internal sealed class NodeCommandsConsumer(InstanceManager manager, RootDiskCache disks, InstanceLogStore logs, IOptions<NodeAgentOptions> options)
    : IConsumer<StartInstance>, IConsumer<StopInstance>, IConsumer<FunctionRemoved>
{
    private readonly string _nodeId = options.Value.Id;

    public Task Consume(ConsumeContext<StartInstance> context)
    {
        if (context.Message.NodeId == _nodeId)
        {
            manager.Start(context.Message, context.SentTime);
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<StopInstance> context)
    {
        if (context.Message.NodeId == _nodeId)
        {
            manager.Stop(context.Message.InstanceId);
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<FunctionRemoved> context)
    {
        disks.Release(context.Message.FunctionId);
        logs.Remove(context.Message.FunctionId);
        return manager.RemoveSparesAsync(context.Message.FunctionId);
    }
}
