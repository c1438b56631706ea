using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// Moves a packet between a descriptor chain and contiguous host bytes: the guest may split header and payload
/// over any number of descriptors. A tx chain is read from its device-readable buffers, an rx chain written into
/// its device-writable ones; a buffer of the other direction makes the chain malformed.
/// </summary>
internal static class VsockChain
{
    /// <summary>Bytes the device may read (tx) or write (rx) in the chain, capped so a sum of many lengths cannot overflow.</summary>
    public static long Capacity(ReadOnlySpan<Descriptor> chain, bool deviceWrites)
    {
        long total = 0;
        foreach (Descriptor d in chain)
        {
            if (d.IsWriteOnly != deviceWrites)
            {
                throw new VirtioException(VirtioError.MalformedRequest,
                    deviceWrites ? "a vsock rx chain has a device-readable buffer" : "a vsock tx chain has a device-writable buffer");
            }
            total += d.Length;
        }
        return total;
    }

    /// <summary>Copies chain bytes from <paramref name="offset"/> into <paramref name="into"/>; the caller checked the chain holds them.</summary>
    public static void Read(GuestMemory memory, ReadOnlySpan<Descriptor> chain, long offset, Span<byte> into)
    {
        foreach (Descriptor d in chain)
        {
            if (into.IsEmpty)
            {
                return;
            }
            if (offset >= d.Length)
            {
                offset -= d.Length;
                continue;
            }
            int n = (int)Math.Min(d.Length - offset, into.Length);
            memory.GetSpan(d.Address + (ulong)offset, n).CopyTo(into);
            into = into[n..];
            offset = 0;
        }
    }

    /// <summary>Copies <paramref name="data"/> into the chain from <paramref name="offset"/>; the caller checked it fits.</summary>
    public static void Write(GuestMemory memory, ReadOnlySpan<Descriptor> chain, long offset, ReadOnlySpan<byte> data)
    {
        foreach (Descriptor d in chain)
        {
            if (data.IsEmpty)
            {
                return;
            }
            if (offset >= d.Length)
            {
                offset -= d.Length;
                continue;
            }
            int n = (int)Math.Min(d.Length - offset, data.Length);
            data[..n].CopyTo(memory.GetSpan(d.Address + (ulong)offset, n));
            data = data[n..];
            offset = 0;
        }
    }
}
