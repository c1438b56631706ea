using Platform.Runtime.Vmm.Devices.Virtio.Vsock;

namespace Platform.Runtime.Vmm.Builder;

/// <summary>
/// A virtio-vsock device: the guest's context id and the host unix socket the VM listens on (host processes
/// connect there; guest connections to host port P go to the listener at <c>&lt;UdsPath&gt;_P</c>).
/// </summary>
public sealed record VsockResources
{
    public required ulong Cid { get; init; }
    public required string UdsPath { get; init; }
    public VsockLimits Limits { get; init; } = new();

    internal void Validate()
    {
        // 0-2 are reserved (hypervisor, local, host) and Linux keeps cids in 32 bits, with -1 meaning "any".
        if (Cid is < 3 or >= uint.MaxValue)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"a guest cid must be 3 to {uint.MaxValue - 1}, not {Cid}");
        }
        if (string.IsNullOrEmpty(UdsPath))
        {
            throw new VmmException(VmmError.InvalidConfiguration, "the vsock device needs a unix socket path");
        }
        Limits.Validate();
    }
}
