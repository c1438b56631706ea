namespace Platform.Runtime.Vmm.Devices;

/// <summary>An edge-triggered interrupt a device raises (an irqfd on the in-kernel IOAPIC).</summary>
public interface IInterruptLine
{
    void Trigger();
}
