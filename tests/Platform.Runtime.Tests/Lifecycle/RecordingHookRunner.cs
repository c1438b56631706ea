using Platform.Runtime.Hooks;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Lifecycle;

internal sealed class RecordingHookRunner : IHookRunner
{
    public List<(string Stage, ContainerState State)> Runs { get; } = [];

    public HashSet<string> FailingStages { get; } = [];

    /// <summary>Observes the world at the moment a stage's hooks run.</summary>
    public Action<string>? OnRun { get; set; }

    public Task RunAsync(string stage, IReadOnlyList<Hook>? hooks, ContainerState state, CancellationToken cancellationToken)
    {
        if (hooks is not { Count: > 0 })
        {
            return Task.CompletedTask;
        }

        Runs.Add((stage, state));
        OnRun?.Invoke(stage);
        if (FailingStages.Contains(stage))
        {
            throw new RuntimeException(RuntimeErrorKind.HookFailed, $"hook {stage}[0] ({hooks[0].Path}): exited with status 1");
        }

        return Task.CompletedTask;
    }
}
