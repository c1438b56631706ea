using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Consumers;

/// <summary>InstanceRequested: starts one more instance when below max and none is already starting.</summary>
internal sealed class InstanceRequestedConsumer(SchedulerGate gate, FunctionConverger converger) : IConsumer<InstanceRequested>
{
    public async Task Consume(ConsumeContext<InstanceRequested> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await converger.ConvergeAsync(context.Message.FunctionId, Math.Max(1, context.Message.Waiting), context.CancellationToken);
    }
}
