using Platform.Runtime.Spec;

namespace Platform.Runtime.Hooks;

/// <summary>Runs one stage's hooks in order (runtime.md "Lifecycle"), each with the container state on stdin.</summary>
internal interface IHookRunner
{
    /// <summary>Runs every hook, then throws one <see cref="RuntimeException"/> naming each hook that failed or timed out.</summary>
    Task RunAsync(string stage, IReadOnlyList<Hook>? hooks, ContainerState state, CancellationToken cancellationToken);
}
