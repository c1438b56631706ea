namespace Platform.Runtime.VmBackend;

/// <summary>
/// What a microVM holds of its host's memory beyond its memory limit (<c>linux.resources.memory.limit</c>), for
/// callers that budget a host's memory: the guest's headroom for its kernel, agent and page cache, and the VMM
/// process's own. The VM's host cgroup allows exactly the limit plus both.
/// </summary>
public static class MicroVmMemory
{
    /// <summary>Guest RAM beyond the limit, which applies to the function's cgroup inside the guest.</summary>
    public const int GuestHeadroomMiB = 64;

    /// <summary>The VMM process's own memory (its heap, device buffers, the image) beyond the guest's RAM.</summary>
    public const int VmmOverheadMiB = 64;
}
