namespace Platform.Runtime.Vmm.Devices;

/// <summary>A device on the port I/O or MMIO bus; offsets are relative to the range it was inserted at.</summary>
public interface IBusDevice
{
    void Read(ulong offset, Span<byte> data);

    void Write(ulong offset, ReadOnlySpan<byte> data);
}
