using Platform.Runtime.Vmm.Devices;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>An interrupt line that counts its edges (the VM's is an irqfd, which needs KVM).</summary>
internal sealed class CountingInterruptLine : IInterruptLine
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Trigger() => Interlocked.Increment(ref _count);
}
