using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio;

/// <summary>
/// A split virtqueue (virtio 1.x §2.7) in guest memory: the descriptor table, the available ring the driver
/// fills and the used ring the device fills. The transport writes its configuration; a device pops chains and
/// returns them. Every index, address and length read from guest memory is checked before use: a violation
/// throws <see cref="VirtioException"/>, which the transport turns into needs-reset. The walk of a chain is
/// bounded by the queue size, so a looping chain ends it instead of hanging the host.
/// </summary>
public sealed class Virtqueue
{
    private const int DescriptorSize = 16, UsedElementSize = 8, RingHeaderSize = 4, EventWordSize = 2;
    private const ushort AvailFlagNoInterrupt = 1;
    // Lengths are handed to devices as spans of guest memory, which .NET sizes with an int.
    private const uint MaxDescriptorLength = int.MaxValue;

    private readonly Descriptor[] _scratch;
    private GuestMemory? _memory;

    public Virtqueue(ushort maxSize)
    {
        if (maxSize == 0 || !ushort.IsPow2(maxSize))
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), $"a queue's maximum size must be a power of two, not {maxSize}");
        }
        MaxSize = maxSize;
        _scratch = new Descriptor[maxSize];
        Size = maxSize;
    }

    public ushort MaxSize { get; }

    /// <summary>QueueNum as the driver set it (the maximum until it does).</summary>
    public ushort Size { get; internal set; }

    public bool Ready { get; internal set; }

    public ulong DescriptorTable { get; internal set; }

    public ulong AvailRing { get; internal set; }

    public ulong UsedRing { get; internal set; }

    /// <summary>The next available-ring slot the device will read.</summary>
    public ushort NextAvail { get; private set; }

    /// <summary>The next used-ring slot the device will write (what it last published as used idx).</summary>
    public ushort NextUsed { get; private set; }

    /// <summary>Back to the state after a device reset: not ready, maximum size, no rings.</summary>
    internal void Reset()
    {
        Ready = false;
        Size = MaxSize;
        DescriptorTable = AvailRing = UsedRing = 0;
        NextAvail = NextUsed = 0;
        _memory = null;
    }

    /// <summary>Checks the size and that all three areas are aligned and inside RAM (§2.7 alignment table).</summary>
    internal void Validate(GuestMemory memory)
    {
        if (Size == 0 || Size > MaxSize || !ushort.IsPow2(Size))
        {
            throw new VirtioException(VirtioError.InvalidQueueSize, $"queue size {Size} is not a power of two from 1 to {MaxSize}");
        }
        CheckArea(memory, "descriptor table", DescriptorTable, 16, (ulong)DescriptorSize * Size);
        CheckArea(memory, "available ring", AvailRing, 2, RingHeaderSize + 2UL * Size + EventWordSize);
        CheckArea(memory, "used ring", UsedRing, 4, RingHeaderSize + (ulong)UsedElementSize * Size + EventWordSize);
    }

    /// <summary>Starts serving the queue from the rings' beginning; called once the driver has set DRIVER_OK.</summary>
    internal void Activate(GuestMemory memory)
    {
        Validate(memory);
        _memory = memory;
        NextAvail = NextUsed = 0;
    }

    private static void CheckArea(GuestMemory memory, string what, ulong address, ulong alignment, ulong length)
    {
        if (address % alignment != 0 || !memory.Contains(address, length))
        {
            throw new VirtioException(VirtioError.RingOutsideMemory,
                $"the {what} at 0x{address:x} ({length} bytes, {alignment}-byte aligned) is not in guest RAM");
        }
    }

    /// <summary>How many chains the driver has made available that the device has not popped.</summary>
    public int Pending
    {
        get
        {
            ushort pending = (ushort)(ReadIndex(AvailRing + 2) - NextAvail);
            if (pending > Size)
            {
                throw new VirtioException(VirtioError.AvailIndexJump,
                    $"available index moved {pending} entries ahead of the device in a queue of {Size}");
            }
            return pending;
        }
    }

    /// <summary>Takes the next available chain, with every descriptor checked; false when there is none.</summary>
    public bool TryPop(out DescriptorChain chain)
    {
        chain = default;
        if (Pending == 0)
        {
            return false;
        }
        GuestMemory memory = Memory;
        ushort head = memory.ReadU16(AvailRing + RingHeaderSize + 2UL * (ushort)(NextAvail % Size));
        int count = 0;
        ushort index = head;
        while (true)
        {
            if (index >= Size)
            {
                throw new VirtioException(VirtioError.DescriptorIndexOutOfRange, $"descriptor index {index} in a queue of {Size}");
            }
            if (count == Size)
            {
                throw new VirtioException(VirtioError.DescriptorChainLoop, $"the chain from descriptor {head} is longer than the queue ({Size}): a loop");
            }
            Span<byte> raw = memory.GetSpan(DescriptorTable + (ulong)DescriptorSize * index, DescriptorSize);
            var d = new Descriptor(
                BitConverter.ToUInt64(raw),
                BitConverter.ToUInt32(raw[8..]),
                BitConverter.ToUInt16(raw[12..]));
            if ((d.Flags & Descriptor.FlagIndirect) != 0)
            {
                throw new VirtioException(VirtioError.IndirectDescriptor, $"descriptor {index} is indirect, which was not offered");
            }
            if (d.Length > MaxDescriptorLength)
            {
                throw new VirtioException(VirtioError.DescriptorTooLong, $"descriptor {index} is {d.Length} bytes long");
            }
            if (!memory.Contains(d.Address, d.Length))
            {
                throw new VirtioException(VirtioError.DescriptorOutsideMemory,
                    $"descriptor {index} points at 0x{d.Address:x}+0x{d.Length:x}, outside guest RAM");
            }
            _scratch[count++] = d;
            if ((d.Flags & Descriptor.FlagNext) == 0)
            {
                break;
            }
            index = BitConverter.ToUInt16(raw[14..]);
        }
        NextAvail++;
        chain = new DescriptorChain(head, _scratch.AsSpan(0, count));
        return true;
    }

    /// <summary>Gives back the chain last popped, for a device that cannot serve it yet (no data for a receive queue).</summary>
    public void UndoPop() => NextAvail--;

    /// <summary>Returns chain <paramref name="head"/> to the driver with <paramref name="written"/> bytes written into its buffers.</summary>
    public void AddUsed(ushort head, uint written)
    {
        GuestMemory memory = Memory;
        ulong element = UsedRing + RingHeaderSize + (ulong)UsedElementSize * (ushort)(NextUsed % Size);
        memory.WriteU32(element, head);
        memory.WriteU32(element + 4, written);
        NextUsed++;
        // The element must be visible before the index that publishes it (a release store).
        WriteIndex(UsedRing + 2, NextUsed);
    }

    /// <summary>Whether the driver wants an interrupt for the used buffers just added (it may suppress them while it polls).</summary>
    public bool NeedsInterrupt()
    {
        // The used index store must be globally visible before the flags load, or the driver could suppress
        // interrupts, see no new used entries, and sleep while we skip the interrupt.
        Interlocked.MemoryBarrier();
        return (ReadIndex(AvailRing) & AvailFlagNoInterrupt) == 0;
    }

    private GuestMemory Memory => _memory ?? throw new InvalidOperationException("the queue is not active");

    private ushort ReadIndex(ulong address) =>
        Volatile.Read(ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(Memory.GetSpan(address, 2))));

    private void WriteIndex(ulong address, ushort value) =>
        Volatile.Write(ref Unsafe.As<byte, ushort>(ref MemoryMarshal.GetReference(Memory.GetSpan(address, 2))), value);
}
