using System.Diagnostics;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Vmm;

/// <summary>
/// Tells hardware KVM from a software-emulating one (nested KVM without hardware support runs guest code at
/// about a million instructions per second): runs a counted loop in a tiny real-mode guest for a bounded time
/// and reads back how far it got. Booting Linux is only worth trying on a fast verdict.
/// </summary>
public static class KvmSpeedProbe
{
    /// <summary>Hardware runs this loop at billions of instructions per second; emulation at about a million.</summary>
    public const double HardwareThreshold = 50_000_000;
    private const uint Iterations = 50_000_000;

    public static async Task<KvmSpeedVerdict> MeasureAsync(TimeSpan budget, CancellationToken cancellationToken = default)
    {
        MicroVm vm;
        try
        {
            vm = VmBuilder.BuildRaw(new RawGuest { Code = LoopProgram(Iterations), Irqchip = false, Console = new BufferSerialSink(16) });
        }
        catch (VmmException e)
        {
            return new KvmSpeedVerdict(false, 0, $"no usable KVM: {e.Message}");
        }
        using (vm)
        {
            var clock = Stopwatch.StartNew();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(budget);
            VmExit exit = await vm.RunAsync(deadline.Token).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            cancellationToken.ThrowIfCancellationRequested();
            ulong remaining = exit.Reason == VmExitReason.Halted ? 0 : vm.Bsp.GetRegs().Rcx & 0xffff_ffff;
            if (exit.Reason is not (VmExitReason.Halted or VmExitReason.Stopped))
            {
                return new KvmSpeedVerdict(false, 0, $"the probe guest failed: {exit}");
            }
            // Two instructions (dec, jnz) per iteration.
            double rate = 2.0 * (Iterations - remaining) / Math.Max(seconds, 1e-6);
            bool fast = rate >= HardwareThreshold;
            string reason = fast
                ? $"KVM runs guest code at {rate / 1e6:F0}M instructions/s: hardware virtualization"
                : $"KVM runs guest code at {rate / 1e6:F2}M instructions/s (under {HardwareThreshold / 1e6:F0}M): software emulation, too slow to boot Linux";
            return new KvmSpeedVerdict(fast, rate, reason);
        }
    }

    /// <summary>Real mode: mov ecx, n; 1: dec ecx; jnz 1b; mov al, 'D'; mov dx, 0x3f8; out dx, al; hlt.</summary>
    internal static byte[] LoopProgram(uint n) =>
    [
        0x66, 0xb9, (byte)n, (byte)(n >> 8), (byte)(n >> 16), (byte)(n >> 24),
        0x66, 0x49,
        0x75, 0xfc,
        0xb0, (byte)'D',
        0xba, 0xf8, 0x03,
        0xee,
        0xf4,
    ];
}

/// <summary>The probe's answer: whether KVM is hardware-fast, the measured rate, and why, in words.</summary>
public sealed record KvmSpeedVerdict(bool IsHardware, double InstructionsPerSecond, string Reason);
