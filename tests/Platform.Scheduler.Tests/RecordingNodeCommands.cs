using Platform.Contracts;
using Platform.Scheduler.Convergence;

namespace Platform.Scheduler.Tests;

internal sealed class RecordingNodeCommands : INodeCommands
{
    public List<StartInstance> Started { get; } = [];
    public List<StopInstance> Stopped { get; } = [];

    public Task StartAsync(StartInstance command, CancellationToken cancellationToken)
    {
        Started.Add(command);
        return Task.CompletedTask;
    }

    public Task StopAsync(StopInstance command, CancellationToken cancellationToken)
    {
        Stopped.Add(command);
        return Task.CompletedTask;
    }

    public void Clear()
    {
        Started.Clear();
        Stopped.Clear();
    }
}
