using Platform.Contracts;
using Platform.Runtime.VmBackend;

namespace Platform.NodeAgent.Tests;

public sealed class MicroVmFootprintTests
{
    [Fact]
    public void The_schedulers_microvm_overhead_is_what_the_runtime_adds_around_a_vms_memory_limit()
    {
        // The scheduler places by Isolation.FootprintMiB; the runtime sizes the guest and the VMM's cgroup by MicroVmMemory.
        Assert.Equal(MicroVmMemory.GuestHeadroomMiB + MicroVmMemory.VmmOverheadMiB, Isolation.MicroVmOverheadMiB);
    }
}
