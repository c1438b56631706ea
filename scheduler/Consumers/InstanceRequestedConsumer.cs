using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Consumers;

/// <summary>InstanceRequested: starts enough instances of the version requests wait for, up to max.</summary>
internal sealed class InstanceRequestedConsumer(SchedulerGate gate, FunctionConverger converger) : IConsumer<InstanceRequested>
{
    public async Task Consume(ConsumeContext<InstanceRequested> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await converger.ConvergeAsync(context.Message.FunctionId, Math.Max(1, context.Message.Waiting), context.CancellationToken, context.Message.Version);
    }
}
