using System.Text.Json.Serialization;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// What the host side of a microVM container (<see cref="VmLauncher"/>) hands the VMM process on its sync socket:
/// everything resolved and validated, so the VMM only builds and runs the machine.
/// </summary>
internal sealed record VmmPlan
{
    public required string Id { get; init; }
    /// <summary>The guest kernel (vm.kernel.path, resolved).</summary>
    public required string Kernel { get; init; }
    /// <summary>vm.kernel.parameters, appended to the VMM's default command line.</summary>
    public string? KernelParameters { get; init; }
    /// <summary>The raw root disk image, attached read-only.</summary>
    public required string RootDisk { get; init; }
    /// <summary>config.json for the guest agent's own container runtime (<see cref="GuestConfig"/>).</summary>
    public required byte[] GuestConfig { get; init; }
    public required int MemoryMiB { get; init; }
    public required int Vcpus { get; init; }
    /// <summary>The VM's vsock unix socket (Firecracker's scheme: CONNECT port on it; guest-initiated at path_PORT).</summary>
    public required string VsockPath { get; init; }
    /// <summary>How long the guest agent may take to report ready, in milliseconds.</summary>
    public required int BootTimeoutMs { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(VmmPlan))]
internal sealed partial class VmmPlanJsonContext : JsonSerializerContext;
