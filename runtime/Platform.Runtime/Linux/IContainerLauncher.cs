using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux;

/// <summary>
/// The seam between the lifecycle (state, hooks, cgroups, create/start/kill/delete) and the Linux process
/// machinery (C stage, namespaces, init in the container). Create runs the init up to the point where it
/// blocks on exec.fifo; start is opening that fifo for reading, done by the lifecycle.
/// </summary>
internal interface IContainerLauncher
{
    Task<LaunchedContainer> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken);
}

internal sealed record LaunchRequest
{
    public required string Id { get; init; }
    /// <summary>Validated, customized spec.</summary>
    public required RuntimeSpec Spec { get; init; }
    public required string BundlePath { get; init; }
    /// <summary>Absolute, resolved root filesystem.</summary>
    public required string RootfsPath { get; init; }
    /// <summary>The container's state directory (holds exec.fifo).</summary>
    public required string StateDir { get; init; }
    public SafeFileHandle? Stdin { get; init; }
    public SafeFileHandle? Stdout { get; init; }
    public SafeFileHandle? Stderr { get; init; }
    public string? ConsoleSocket { get; init; }

    /// <summary>The machine of a microVM container (the bundle has a `vm` section); null for a Linux container.</summary>
    public VmBackend.VmSpec.Resolved? Vm { get; init; }

    /// <summary>
    /// Called once the init process exists, while it is still starting (exec, namespaces): work that does not
    /// need its PID, such as creating the cgroup, overlaps its start here.
    /// </summary>
    public Action? OnSpawned { get; init; }

    /// <summary>
    /// Called with the host PID of the container's first process once its namespaces exist and before it
    /// runs anything of the user's: the lifecycle attaches the cgroup here and runs createRuntime hooks.
    /// </summary>
    public required Func<int, CancellationToken, Task> OnNamespacesCreated { get; init; }
}

internal sealed record LaunchedContainer(int Pid);
