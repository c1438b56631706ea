using System.Diagnostics;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm;

/// <summary>
/// Tells hardware KVM from KVM that is itself emulated (nested KVM in a software-emulated machine, such as the
/// QEMU TCG lab of shared/DESIGN.md §3) by timing exits, not guest code: emulators translate straight-line guest
/// code well (about 750M instructions/s in the lab, close enough to hardware to fool a compute loop), but every
/// exit makes them emulate a whole trip through the host kernel's KVM and back, which costs ~50 µs in the lab
/// against ~1-5 µs on hardware. A tiny real-mode guest writes to a port <see cref="Exits"/> times, each write a
/// KVM_EXIT_IO to the VMM; the median gap between consecutive writes is the cost of one round trip. Booting Linux
/// (thousands of exits) is only worth trying on a hardware verdict.
/// </summary>
public static class KvmSpeedProbe
{
    /// <summary>
    /// The dividing line, in µs per exit round trip. Hardware KVM measures ~1-5 µs (more on old CPUs or with heavy
    /// speculation mitigations); the lab measures ~50 µs. 20 µs leaves a factor of 4 above the slowest hardware
    /// and 2.5 below the lab, and a loaded host only moves the median up for both, never the lab below the line.
    /// Hardware-assisted nested KVM (a VM inside a hardware VM) may land on either side: its exits pay for two
    /// hypervisors.
    /// </summary>
    public const double HardwareMaxExitMicroseconds = 20;

    /// <summary>Exits the guest makes: 10-50 ms on hardware, about half a second in the lab.</summary>
    public const int Exits = 10_000;

    /// <summary>The fewest gaps the median is taken over; fewer within the budget means exits are far too slow.</summary>
    public const int MinGaps = 100;

    /// <summary>The port the guest writes to; nothing else is there.</summary>
    internal const ushort ProbePort = 0x80;

    /// <summary>Runs the probe for at most <paramref name="budget"/> (exits not made by then are not timed).</summary>
    public static async Task<KvmSpeedVerdict> MeasureAsync(TimeSpan budget, CancellationToken cancellationToken = default)
    {
        MicroVm vm;
        var stamps = new ExitStamps(Exits);
        try
        {
            vm = VmBuilder.BuildRaw(new RawGuest { Code = ExitProgram(Exits), Irqchip = false, Console = new BufferSerialSink(16) });
        }
        catch (VmmException e)
        {
            return new KvmSpeedVerdict(false, null, 0, $"no usable KVM: {e.Message}");
        }
        using (vm)
        {
            vm.Pio.Insert(stamps, ProbePort, 1);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(budget);
            VmExit exit = await vm.RunAsync(deadline.Token).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (exit.Reason is not (VmExitReason.Halted or VmExitReason.Stopped))
            {
                return new KvmSpeedVerdict(false, null, 0, $"the probe guest failed: {exit}");
            }
            if (exit.Reason == VmExitReason.Halted && stamps.Count != Exits)
            {
                return new KvmSpeedVerdict(false, null, 0,
                    $"the probe guest made {Exits} port writes but {stamps.Count} reached the VMM: KVM handled port 0x{ProbePort:x} itself");
            }
            return Judge(stamps.Stamps, Stopwatch.Frequency, budget);
        }
    }

    /// <summary>The verdict from the times of consecutive exits (in ticks of <paramref name="frequency"/> per second).</summary>
    internal static KvmSpeedVerdict Judge(ReadOnlySpan<long> stamps, long frequency, TimeSpan budget)
    {
        int gaps = stamps.Length - 1;
        if (gaps < MinGaps)
        {
            return new KvmSpeedVerdict(false, null, Math.Max(gaps, 0),
                $"only {Math.Max(gaps, 0)} exits to the VMM within {budget.TotalSeconds:F1} s (at least {MinGaps} needed): KVM is emulated, far too slow to boot Linux");
        }
        var micros = new double[gaps];
        for (int i = 0; i < gaps; i++)
        {
            micros[i] = (stamps[i + 1] - stamps[i]) * 1e6 / frequency;
        }
        // The median, not the mean: a vCPU thread preempted on a busy host, or the first exits paying for page
        // faults and JIT compilation, make a few gaps long without saying anything about KVM.
        Array.Sort(micros);
        double median = gaps % 2 == 1 ? micros[gaps / 2] : (micros[gaps / 2 - 1] + micros[gaps / 2]) / 2;
        bool hardware = median <= HardwareMaxExitMicroseconds;
        string reason = hardware
            ? $"an exit to the VMM and back takes {median:F1} µs (median of {gaps}): hardware virtualization"
            : $"an exit to the VMM and back takes {median:F1} µs (median of {gaps}, over {HardwareMaxExitMicroseconds:F0} µs): KVM is emulated, too slow to boot Linux";
        return new KvmSpeedVerdict(hardware, median, gaps, reason);
    }

    /// <summary>Real mode: mov ecx, n; 1: out 0x80, al; dec ecx; jnz 1b; hlt. Without an irqchip the HLT ends the VM.</summary>
    internal static byte[] ExitProgram(int n) =>
    [
        0x66, 0xb9, (byte)n, (byte)(n >> 8), (byte)(n >> 16), (byte)(n >> 24),
        0xe6, (byte)ProbePort,
        0x66, 0x49,
        0x75, 0xfa,
        0xf4,
    ];
}
