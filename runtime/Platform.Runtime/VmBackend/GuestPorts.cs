namespace Platform.Runtime.VmBackend;

/// <summary>The vsock addresses the host and the guest agent agree on.</summary>
internal static class GuestPorts
{
    /// <summary>The host's CID as the guest sees it (VMADDR_CID_HOST).</summary>
    public const uint HostCid = 2;

    /// <summary>The guest's CID; each VM has its own vsock device, so every guest can be 3.</summary>
    public const uint GuestCid = 3;

    /// <summary>The agent connects to the host on this port for its control channel (<see cref="AgentChannel"/>).</summary>
    public const uint Control = 1024;

    /// <summary>The port the function serves when its environment names none (DESIGN §2).</summary>
    public const uint DefaultHttpPort = 8080;
}
