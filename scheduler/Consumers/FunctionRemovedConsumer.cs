using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Consumers;

/// <summary>FunctionRemoved: the function has no rows left (or no active version), so converging stops every instance.</summary>
internal sealed class FunctionRemovedConsumer(SchedulerGate gate, FunctionConverger converger) : IConsumer<FunctionRemoved>
{
    public async Task Consume(ConsumeContext<FunctionRemoved> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await converger.ConvergeAsync(context.Message.FunctionId, waiting: 0, context.CancellationToken);
    }
}
