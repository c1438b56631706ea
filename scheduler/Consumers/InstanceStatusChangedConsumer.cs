using MassTransit;
using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Consumers;

/// <summary>InstanceStatusChanged: persists the instance's state and converges its function.</summary>
internal sealed class InstanceStatusChangedConsumer(SchedulerGate gate, InstanceStatusRecorder recorder) : IConsumer<InstanceStatusChanged>
{
    public async Task Consume(ConsumeContext<InstanceStatusChanged> context)
    {
        using var held = await gate.EnterAsync(context.CancellationToken);
        await recorder.ApplyAsync(context.Message, context.CancellationToken);
    }
}
