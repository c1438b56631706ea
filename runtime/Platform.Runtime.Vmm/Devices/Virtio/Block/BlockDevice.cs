using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Devices.Virtio.Block;

/// <summary>
/// virtio-blk over a raw image file: one request queue; IN/OUT with pread/pwrite straight between the file and
/// guest memory (no copy, no buffer sized by the guest), FLUSH as fsync, GET_ID. Capacity is the file's size in
/// 512-byte sectors (a partial last sector is not exposed). A read-only disk offers VIRTIO_BLK_F_RO and fails
/// writes with IOERR; any range past the end is IOERR too. Requests are served synchronously on the VM's event
/// loop thread, as Firecracker's sync engine does.
/// </summary>
public sealed class BlockDevice : IVirtioDevice, IDisposable
{
    public const int SectorSize = 512;
    public const int IdLength = 20;
    public const ushort QueueSize = 256;

    private readonly SafeFileHandle _file;
    private readonly byte[] _id = new byte[IdLength];
    private VirtioDeviceContext? _context;

    /// <summary>Opens <paramref name="path"/>; throws <see cref="VmmException"/> (<see cref="VmmError.InvalidConfiguration"/>) when it cannot.</summary>
    public BlockDevice(string path, bool readOnly, string id)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(id);
        try
        {
            _file = File.OpenHandle(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                readOnly ? FileShare.Read : FileShare.None);
            // Two VMs writing one image would corrupt it: a writer holds an exclusive flock, readers a shared one.
            // Taken by hand, since FileShare's lock is off in the platform-runtime binary (DisableFileLocking).
            if (Native.Flock((int)_file.DangerousGetHandle(), (readOnly ? Native.LOCK_SH : Native.LOCK_EX) | Native.LOCK_NB) != 0)
            {
                throw new IOException(Marshal.GetLastPInvokeError() == 11 ? "the image is in use by another VM" : $"flock failed (errno {Marshal.GetLastPInvokeError()})");
            }
            Capacity = (ulong)RandomAccess.GetLength(_file) / SectorSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _file?.Dispose();
            throw new VmmException(VmmError.InvalidConfiguration, $"block device '{id}': cannot open {path}: {e.Message}");
        }
        ReadOnly = readOnly;
        Encoding.ASCII.GetBytes(id.AsSpan(0, Math.Min(id.Length, IdLength)), _id);
    }

    public bool ReadOnly { get; }

    /// <summary>The disk size in 512-byte sectors.</summary>
    public ulong Capacity { get; }

    public VirtioDeviceType DeviceType => VirtioDeviceType.Block;

    public ulong AvailableFeatures => VirtioFeatures.Version1 | BlockFeatures.Flush | (ReadOnly ? BlockFeatures.ReadOnly : 0);

    public IReadOnlyList<ushort> QueueMaxSizes { get; } = [QueueSize];

    /// <summary>The config space is struct virtio_blk_config up to capacity (the only field whose feature is offered).</summary>
    public void ReadConfig(uint offset, Span<byte> data)
    {
        data.Clear();
        Span<byte> config = stackalloc byte[sizeof(ulong)];
        BitConverter.TryWriteBytes(config, Capacity);
        if (offset < config.Length)
        {
            config[(int)offset..][..Math.Min(data.Length, config.Length - (int)offset)].CopyTo(data);
        }
    }

    /// <summary>Nothing in the offered config space is writable.</summary>
    public void WriteConfig(uint offset, ReadOnlySpan<byte> data)
    {
    }

    public void Activate(VirtioDeviceContext context) => _context = context;

    public void Reset() => _context = null;

    public void QueueNotified(int queue)
    {
        VirtioDeviceContext context = _context ?? throw new InvalidOperationException("block device notified while not active");
        Virtqueue q = context.Queues[0];
        bool used = false;
        while (q.TryPop(out DescriptorChain chain))
        {
            BlockRequest request = BlockRequest.Parse(chain, context.Memory);
            BlockStatus status = Execute(request, context.Memory, out uint written);
            context.Memory.WriteU8(request.StatusAddress, (byte)status);
            q.AddUsed(request.Head, written + 1);
            used = true;
        }
        if (used)
        {
            context.SignalUsed(q);
        }
    }

    /// <summary>Does the I/O of a parsed request; <paramref name="written"/> is how many data bytes went into guest memory.</summary>
    private BlockStatus Execute(in BlockRequest request, GuestMemory memory, out uint written)
    {
        written = 0;
        switch (request.Type)
        {
            case BlockRequestType.In:
                if (!request.DataIsWriteOnly(true) || !InRange(request))
                {
                    return BlockStatus.IoError;
                }
                if (!Transfer(request, memory, write: false))
                {
                    return BlockStatus.IoError;
                }
                written = (uint)request.DataLength;
                return BlockStatus.Ok;
            case BlockRequestType.Out:
                if (ReadOnly || !request.DataIsWriteOnly(false) || !InRange(request))
                {
                    return BlockStatus.IoError;
                }
                return Transfer(request, memory, write: true) ? BlockStatus.Ok : BlockStatus.IoError;
            case BlockRequestType.Flush:
                return ReadOnly || Native.Fsync((int)_file.DangerousGetHandle()) == 0 ? BlockStatus.Ok : BlockStatus.IoError;
            case BlockRequestType.GetId:
                if (request.Data.Length == 0 || !request.Data[0].IsWriteOnly)
                {
                    return BlockStatus.IoError;
                }
                int n = (int)Math.Min(request.Data[0].Length, IdLength);
                memory.Write(request.Data[0].Address, _id.AsSpan(0, n));
                written = (uint)n;
                return BlockStatus.Ok;
            default:
                return BlockStatus.Unsupported;
        }
    }

    /// <summary>Whole sectors, all inside the disk (written so that no sector number or length can overflow).</summary>
    private bool InRange(in BlockRequest request)
    {
        ulong length = request.DataLength;
        return length % SectorSize == 0 && request.Sector <= Capacity && length / SectorSize <= Capacity - request.Sector;
    }

    private bool Transfer(in BlockRequest request, GuestMemory memory, bool write)
    {
        long offset = (long)(request.Sector * SectorSize);
        try
        {
            foreach (Descriptor d in request.Data)
            {
                Span<byte> buffer = memory.GetSpan(d.Address, (int)d.Length);
                if (write)
                {
                    RandomAccess.Write(_file, buffer, offset);
                    offset += buffer.Length;
                    continue;
                }
                while (!buffer.IsEmpty)
                {
                    int n = RandomAccess.Read(_file, buffer, offset);
                    if (n == 0)
                    {
                        // The file shrank under us: the sectors it promised are gone.
                        return false;
                    }
                    buffer = buffer[n..];
                    offset += n;
                }
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => _file.Dispose();
}
