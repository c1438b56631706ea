namespace Platform.Contracts;

/// <summary>
/// The sandboxes an instance can run in, and the tenant policy that picks one. A node agent advertises the
/// backends it can run (<see cref="NodeHeartbeat.Backends"/>); an instance runs only on a node that has its backend.
/// </summary>
public static class Isolation
{
    /// <summary>A Linux container (namespaces, cgroups, seccomp, capabilities): for trusted tenants.</summary>
    public const string Container = "container";

    /// <summary>A microVM under the node's embedded KVM VMM: for every tenant not marked trusted.</summary>
    public const string MicroVm = "microvm";

    /// <summary>
    /// The backend a function of a tenant runs on: untrusted tenants always get microVMs, whatever the function
    /// asks for; trusted tenants get containers unless the function asks for a microVM.
    /// </summary>
    public static string For(bool trustedTenant, string? requested) =>
        !trustedTenant || requested == MicroVm ? MicroVm : Container;

    /// <summary>
    /// Node memory a microVM holds beyond its function's memory: the guest's headroom for its kernel and agent
    /// and the VMM process's own, as the runtime sizes them (its <c>MicroVmMemory</c>).
    /// </summary>
    public const int MicroVmOverheadMiB = 128;

    /// <summary>What an instance of a function with <paramref name="memoryMiB"/> holds of its node's memory on <paramref name="isolation"/>.</summary>
    public static int FootprintMiB(string isolation, int memoryMiB) =>
        isolation == MicroVm ? memoryMiB + MicroVmOverheadMiB : memoryMiB;
}
