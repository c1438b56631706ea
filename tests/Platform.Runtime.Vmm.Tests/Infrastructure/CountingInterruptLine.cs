using Platform.Runtime.Vmm.Devices;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>An interrupt line that counts its edges (the VM's is an irqfd, which needs KVM).</summary>
internal sealed class CountingInterruptLine : IInterruptLine
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Runs on the raising thread at the edge, before it is counted: a test's stand-in for a guest interrupt handler
    /// that runs the instant the line rises, so it sees exactly what the device had published by then.
    /// </summary>
    public Action? OnTrigger { get; set; }

    public void Trigger()
    {
        OnTrigger?.Invoke();
        Interlocked.Increment(ref _count);
    }
}
