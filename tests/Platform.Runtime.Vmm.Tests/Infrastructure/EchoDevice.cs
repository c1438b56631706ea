using Platform.Runtime.Vmm.Devices.Virtio;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>
/// A test device on the real transport: queue 0 returns each chain used, having written the sum of its readable
/// lengths (4 bytes) into its first writable buffer; its config space is 8 bytes the driver can write.
/// </summary>
internal sealed class EchoDevice : IVirtioDevice
{
    private readonly byte[] _config = new byte[8];
    private VirtioDeviceContext? _context;

    public VirtioDeviceType DeviceType => (VirtioDeviceType)42;

    public ulong AvailableFeatures => VirtioFeatures.Version1 | 1UL << 3;

    public IReadOnlyList<ushort> QueueMaxSizes { get; init; } = [16];

    public int Activations { get; private set; }

    public int Resets { get; private set; }

    public VirtioDeviceContext? Context => _context;

    public void ReadConfig(uint offset, Span<byte> data)
    {
        data.Clear();
        if (offset < _config.Length)
        {
            _config.AsSpan((int)offset, Math.Min(data.Length, _config.Length - (int)offset)).CopyTo(data);
        }
    }

    public void WriteConfig(uint offset, ReadOnlySpan<byte> data)
    {
        if (offset < _config.Length)
        {
            data[..Math.Min(data.Length, _config.Length - (int)offset)].CopyTo(_config.AsSpan((int)offset));
        }
    }

    public void Activate(VirtioDeviceContext context)
    {
        _context = context;
        Activations++;
    }

    public void QueueNotified(int queue)
    {
        Virtqueue q = _context!.Queues[queue];
        while (q.TryPop(out DescriptorChain chain))
        {
            ulong sum = 0;
            uint written = 0;
            foreach (Descriptor d in chain.Descriptors)
            {
                if (!d.IsWriteOnly)
                {
                    sum += d.Length;
                }
                else if (written == 0 && d.Length >= 4)
                {
                    _context.Memory.WriteU32(d.Address, (uint)sum);
                    written = 4;
                }
            }
            q.AddUsed(chain.Head, written);
        }
        _context.SignalUsed(q);
    }

    public void Reset()
    {
        _context = null;
        Resets++;
    }
}
