using System.Buffers.Binary;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio.Block;

/// <summary>
/// A virtio-blk request parsed from a descriptor chain, before any I/O: the 16-byte header (type, reserved,
/// sector) in a device-readable first descriptor, the data descriptors, and a device-writable last descriptor for
/// the status byte, the layout Linux uses. A chain without that frame cannot even be answered, so it is a
/// <see cref="VirtioException"/> (needs-reset); what is wrong inside a well-framed request (direction, length,
/// range) is decided by <see cref="BlockDevice"/> and answered with a status.
/// </summary>
internal readonly ref struct BlockRequest
{
    public const int HeaderSize = 16;

    private BlockRequest(ushort head, uint type, ulong sector, ReadOnlySpan<Descriptor> data, ulong statusAddress)
    {
        Head = head;
        Type = type;
        Sector = sector;
        Data = data;
        StatusAddress = statusAddress;
    }

    public ushort Head { get; }

    public uint Type { get; }

    public ulong Sector { get; }

    public ReadOnlySpan<Descriptor> Data { get; }

    public ulong StatusAddress { get; }

    /// <summary>The sum of the data descriptors' lengths (each under 2 GiB, at most a queue's worth: no overflow).</summary>
    public ulong DataLength
    {
        get
        {
            ulong total = 0;
            foreach (Descriptor d in Data)
            {
                total += d.Length;
            }
            return total;
        }
    }

    /// <summary>Whether every data descriptor goes the way the request needs: device-writable for reads, readable for writes.</summary>
    public bool DataIsWriteOnly(bool writeOnly)
    {
        foreach (Descriptor d in Data)
        {
            if (d.IsWriteOnly != writeOnly)
            {
                return false;
            }
        }
        return true;
    }

    public static BlockRequest Parse(DescriptorChain chain, GuestMemory memory)
    {
        ReadOnlySpan<Descriptor> d = chain.Descriptors;
        if (d.Length < 2)
        {
            throw new VirtioException(VirtioError.MalformedRequest, $"a block request of {d.Length} descriptor(s): it needs a header and a status");
        }
        Descriptor header = d[0], status = d[^1];
        if (header.IsWriteOnly || header.Length < HeaderSize)
        {
            throw new VirtioException(VirtioError.MalformedRequest, $"a block request header must be {HeaderSize} device-readable bytes (got {header.Length}, write-only {header.IsWriteOnly})");
        }
        if (!status.IsWriteOnly || status.Length < 1)
        {
            throw new VirtioException(VirtioError.MalformedRequest, "a block request must end in a device-writable status byte");
        }
        ReadOnlySpan<byte> raw = memory.GetSpan(header.Address, HeaderSize);
        return new BlockRequest(chain.Head, BinaryPrimitives.ReadUInt32LittleEndian(raw), BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]),
            d[1..^1], status.Address);
    }
}
