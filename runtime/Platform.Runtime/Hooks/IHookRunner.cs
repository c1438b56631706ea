using Platform.Runtime.Spec;

namespace Platform.Runtime.Hooks;

/// <summary>Runs one stage's hooks in order (runtime.md "Lifecycle"), each with the container state on stdin.</summary>
internal interface IHookRunner
{
    /// <summary>Throws <see cref="RuntimeException"/> naming the stage and hook when one fails or times out.</summary>
    Task RunAsync(string stage, IReadOnlyList<Hook>? hooks, ContainerState state, CancellationToken cancellationToken);
}
