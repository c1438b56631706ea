using System.Buffers.Binary;

namespace Platform.Runtime.Vmm.Devices.Virtio.Vsock;

/// <summary>
/// The 44-byte <c>struct virtio_vsock_hdr</c> that starts every packet, little endian. Decoding only reads the
/// fields: whether they make sense (cids, op, type, len) is the muxer's decision.
/// </summary>
internal readonly record struct VsockHeader(
    ulong SrcCid,
    ulong DstCid,
    uint SrcPort,
    uint DstPort,
    uint Len,
    ushort Type,
    VsockOp Op,
    uint Flags,
    uint BufAlloc,
    uint FwdCnt)
{
    public const int Size = 44;

    /// <summary>VIRTIO_VSOCK_TYPE_STREAM, the only socket type this device carries.</summary>
    public const ushort TypeStream = 1;

    /// <summary>The host's cid: where guest-initiated connections go and host-initiated ones come from.</summary>
    public const ulong HostCid = 2;

    public static VsockHeader Read(ReadOnlySpan<byte> b)
    {
        if (b.Length < Size)
        {
            throw new ArgumentException($"a vsock header is {Size} bytes, not {b.Length}", nameof(b));
        }
        return new VsockHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(b),
            BinaryPrimitives.ReadUInt64LittleEndian(b[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[28..]),
            (VsockOp)BinaryPrimitives.ReadUInt16LittleEndian(b[30..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[36..]),
            BinaryPrimitives.ReadUInt32LittleEndian(b[40..]));
    }

    public void Write(Span<byte> b)
    {
        if (b.Length < Size)
        {
            throw new ArgumentException($"a vsock header is {Size} bytes, not {b.Length}", nameof(b));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(b, SrcCid);
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], DstCid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], SrcPort);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], DstPort);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], Len);
        BinaryPrimitives.WriteUInt16LittleEndian(b[28..], Type);
        BinaryPrimitives.WriteUInt16LittleEndian(b[30..], (ushort)Op);
        BinaryPrimitives.WriteUInt32LittleEndian(b[32..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b[36..], BufAlloc);
        BinaryPrimitives.WriteUInt32LittleEndian(b[40..], FwdCnt);
    }
}
