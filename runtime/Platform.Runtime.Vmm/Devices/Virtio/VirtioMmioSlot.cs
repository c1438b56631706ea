using System.Globalization;

namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>Where a virtio-mmio device sits in a VM: its window's guest physical address and its IOAPIC pin.</summary>
public sealed record VirtioMmioSlot(ulong Address, uint Irq, VirtioMmioTransport Transport)
{
    /// <summary>How Linux learns of the device without ACPI or a device tree (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).</summary>
    public string KernelParameter =>
        string.Create(CultureInfo.InvariantCulture, $"virtio_mmio.device={MmioRegisters.WindowSize >> 10}K@0x{Address:x}:{Irq}");
}
