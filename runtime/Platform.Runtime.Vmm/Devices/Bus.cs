namespace Platform.Runtime.Vmm.Devices;

/// <summary>
/// Address ranges to devices, one bus for port I/O and one for MMIO. Ranges cannot overlap; a lookup is a binary
/// search over the sorted ranges. The bus is filled while the VM is built and read-only once vCPUs run.
/// </summary>
public sealed class Bus
{
    private readonly List<BusRange> _ranges = [];

    public void Insert(IBusDevice device, ulong start, ulong length)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (length == 0 || start + length < start)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"invalid bus range 0x{start:x}+0x{length:x}");
        }
        foreach (BusRange r in _ranges)
        {
            if (start < r.Start + r.Length && r.Start < start + length)
            {
                throw new InvalidOperationException($"bus range 0x{start:x}+0x{length:x} overlaps 0x{r.Start:x}+0x{r.Length:x}");
            }
        }
        _ranges.Add(new BusRange(start, length, device));
        _ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
    }

    /// <summary>Reads into <paramref name="data"/>; false when no device covers the address.</summary>
    public bool Read(ulong address, Span<byte> data)
    {
        if (Find(address) is not { } r)
        {
            return false;
        }
        r.Device.Read(address - r.Start, data);
        return true;
    }

    /// <summary>Writes <paramref name="data"/>; false when no device covers the address.</summary>
    public bool Write(ulong address, ReadOnlySpan<byte> data)
    {
        if (Find(address) is not { } r)
        {
            return false;
        }
        r.Device.Write(address - r.Start, data);
        return true;
    }

    private BusRange? Find(ulong address)
    {
        int lo = 0, hi = _ranges.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            BusRange r = _ranges[mid];
            if (address < r.Start)
            {
                hi = mid - 1;
            }
            else if (address - r.Start >= r.Length)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }
        return null;
    }

    private sealed record BusRange(ulong Start, ulong Length, IBusDevice Device);
}
