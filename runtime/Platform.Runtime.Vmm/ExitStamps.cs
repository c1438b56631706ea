using System.Diagnostics;
using Platform.Runtime.Vmm.Devices;

namespace Platform.Runtime.Vmm;

/// <summary>
/// The speed probe's port: notes the time of every write, each one a KVM_EXIT_IO the vCPU thread brought to the
/// VMM, so consecutive stamps are one exit round trip apart. Written by one vCPU thread, read once it has ended.
/// </summary>
internal sealed class ExitStamps : IBusDevice
{
    private readonly long[] _stamps;

    public ExitStamps(int capacity) => _stamps = new long[capacity];

    public int Count { get; private set; }

    public ReadOnlySpan<long> Stamps => _stamps.AsSpan(0, Count);

    public void Read(ulong offset, Span<byte> data) => data.Fill(0xff);

    public void Write(ulong offset, ReadOnlySpan<byte> data)
    {
        if (Count < _stamps.Length)
        {
            _stamps[Count++] = Stopwatch.GetTimestamp();
        }
    }
}
