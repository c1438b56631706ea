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
}
