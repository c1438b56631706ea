using System.Buffers.Binary;
using Platform.Runtime.Vmm.Arch.X86_64;

namespace Platform.Runtime.Vmm.Vstate;

/// <summary>
/// Guest RAM: anonymous mmap'd regions at guest physical addresses. Every access is bounds-checked against one
/// region, so nothing the guest or a kernel file says can make the VMM touch host memory outside them.
/// </summary>
public sealed unsafe class GuestMemory : IDisposable
{
    private readonly List<GuestRegion> _regions = [];
    private bool _disposed;

    /// <summary>Maps <paramref name="size"/> bytes of RAM: below the 32-bit MMIO hole, and the rest above 4 GiB.</summary>
    public GuestMemory(ulong size)
    {
        if (size < Layout.HighMem * 2 || size % 4096 != 0)
        {
            throw new VmmException(VmmError.InvalidConfiguration, $"guest memory must be a multiple of 4 KiB and at least 2 MiB, got {size} bytes");
        }
        try
        {
            ulong low = Math.Min(size, Layout.MmioGapStart);
            Add(0, low);
            if (size > low)
            {
                Add(Layout.FourGiB, size - low);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Size = size;
    }

    public ulong Size { get; }

    public IReadOnlyList<GuestRegion> Regions => _regions;

    /// <summary>End of the RAM below the MMIO hole (exclusive).</summary>
    public ulong LowEnd => _regions[0].GuestAddress + _regions[0].Length;

    public bool Contains(ulong address, ulong length) => Find(address, length) is not null;

    /// <summary>A view of guest memory; throws if the range is not wholly inside one RAM region.</summary>
    public Span<byte> GetSpan(ulong address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        GuestRegion region = Find(address, (ulong)length)
            ?? throw new ArgumentOutOfRangeException(nameof(address), $"guest range 0x{address:x}+0x{length:x} is not RAM");
        return new Span<byte>((byte*)region.HostAddress + (address - region.GuestAddress), length);
    }

    public void Write(ulong address, ReadOnlySpan<byte> data) => data.CopyTo(GetSpan(address, data.Length));

    public void Fill(ulong address, int length, byte value) => GetSpan(address, length).Fill(value);

    public void WriteU8(ulong address, byte value) => GetSpan(address, 1)[0] = value;
    public void WriteU16(ulong address, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(GetSpan(address, 2), value);
    public void WriteU32(ulong address, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(GetSpan(address, 4), value);
    public void WriteU64(ulong address, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(GetSpan(address, 8), value);
    public byte ReadU8(ulong address) => GetSpan(address, 1)[0];
    public ushort ReadU16(ulong address) => BinaryPrimitives.ReadUInt16LittleEndian(GetSpan(address, 2));
    public uint ReadU32(ulong address) => BinaryPrimitives.ReadUInt32LittleEndian(GetSpan(address, 4));
    public ulong ReadU64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(GetSpan(address, 8));

    private GuestRegion? Find(ulong address, ulong length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (GuestRegion r in _regions)
        {
            // Written to avoid overflow for addresses near 2^64.
            if (address >= r.GuestAddress && address - r.GuestAddress <= r.Length && length <= r.Length - (address - r.GuestAddress))
            {
                return r;
            }
        }
        return null;
    }

    private void Add(ulong guestAddress, ulong length)
    {
        void* host = Native.MapAnonymous(length);
        if (host is null)
        {
            int errno = Native.Errno;
            throw new VmmException(VmmError.KvmCallFailed, $"mmap of {length >> 20} MiB guest memory failed: {Native.Describe(errno)}", errno);
        }
        _regions.Add(new GuestRegion(guestAddress, length, (nint)host));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (GuestRegion r in _regions)
        {
            Native.Unmap((void*)r.HostAddress, r.Length);
        }
        _regions.Clear();
    }
}

/// <summary>One contiguous RAM region: guest physical address, length, host virtual address.</summary>
public sealed record GuestRegion(ulong GuestAddress, ulong Length, nint HostAddress);
