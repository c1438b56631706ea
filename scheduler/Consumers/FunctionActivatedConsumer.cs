using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Consumers;

/// <summary>FunctionActivated: converges the function to its new active version.</summary>
internal sealed class FunctionActivatedConsumer(SchedulerGate gate, FunctionConverger converger) : IConsumer<FunctionActivated>
{
    public async Task Consume(ConsumeContext<FunctionActivated> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await converger.ConvergeAsync(context.Message.FunctionId, waiting: 0, context.CancellationToken);
    }
}
