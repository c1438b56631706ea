using Platform.Runtime.Vmm.Devices.Virtio;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>The driver's side of a split virtqueue in the simulated guest's memory: it writes descriptors and the avail ring, reads the used ring.</summary>
internal sealed class DriverQueue
{
    private readonly VirtioTestDriver _driver;
    private readonly int _index;
    private ushort _nextDescriptor;
    private ushort _availIdx;

    public DriverQueue(VirtioTestDriver driver, int index, ushort size, ulong baseAddress)
    {
        _driver = driver;
        _index = index;
        Size = size;
        Descriptors = baseAddress;
        Avail = baseAddress + 16UL * size;
        Used = (Avail + 6 + 2UL * size + 0xfff) & ~0xfffUL;
    }

    public ushort Size { get; }

    public ulong Descriptors { get; }

    public ulong Avail { get; }

    public ulong Used { get; }

    public ushort UsedIdx => _driver.Memory.ReadU16(Used + 2);

    public (uint Id, uint Length) UsedElement(int slot) =>
        (_driver.Memory.ReadU32(Used + 4 + 8UL * (uint)(slot % Size)), _driver.Memory.ReadU32(Used + 4 + 8UL * (uint)(slot % Size) + 4));

    /// <summary>Writes one descriptor as given (for malformed chains).</summary>
    public void WriteDescriptor(ushort index, ulong address, uint length, ushort flags, ushort next)
    {
        ulong d = Descriptors + 16UL * index;
        _driver.Memory.WriteU64(d, address);
        _driver.Memory.WriteU32(d + 8, length);
        _driver.Memory.WriteU16(d + 12, flags);
        _driver.Memory.WriteU16(d + 14, next);
    }

    /// <summary>Chains the buffers into the next free descriptors and makes the chain available; returns its head.</summary>
    public ushort AddChain(params (ulong Address, uint Length, bool DeviceWrites)[] buffers)
    {
        ushort head = _nextDescriptor;
        for (int i = 0; i < buffers.Length; i++)
        {
            ushort index = (ushort)((head + i) % Size);
            ushort flags = (ushort)((buffers[i].DeviceWrites ? Descriptor.FlagWrite : 0) | (i + 1 < buffers.Length ? Descriptor.FlagNext : 0));
            WriteDescriptor(index, buffers[i].Address, buffers[i].Length, flags, (ushort)((index + 1) % Size));
        }
        _nextDescriptor = (ushort)((head + buffers.Length) % Size);
        MakeAvailable(head);
        return head;
    }

    /// <summary>Puts <paramref name="head"/> in the avail ring and publishes it.</summary>
    public void MakeAvailable(ushort head)
    {
        _driver.Memory.WriteU16(Avail + 4 + 2UL * (uint)(_availIdx % Size), head);
        _availIdx++;
        SetAvailIdx(_availIdx);
    }

    public void SetAvailIdx(ushort value) => _driver.Memory.WriteU16(Avail + 2, value);

    public void SetAvailFlags(ushort value) => _driver.Memory.WriteU16(Avail, value);

    public Task NotifyAsync() => _driver.NotifyAsync(_index);
}
