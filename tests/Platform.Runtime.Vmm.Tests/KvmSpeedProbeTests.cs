using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests;

public sealed class KvmSpeedProbeTests
{
    private const long MicrosecondTicks = 1_000_000; // a clock of 1 MHz: one tick per µs

    [Fact]
    public async Task Probe_times_exits_and_gives_a_verdict_with_its_reason()
    {
        KvmSpeedVerdict verdict = await KvmSpeedProbe.MeasureAsync(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Console.WriteLine($"KVM speed probe: {verdict}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
        if (!KvmHost.IsAvailable)
        {
            Assert.False(verdict.IsHardware);
            Assert.Null(verdict.ExitMicroseconds);
            Assert.StartsWith("no usable KVM", verdict.Reason);
            return;
        }
        Assert.True(verdict.ExitMicroseconds > 0, verdict.Reason);
        Assert.True(verdict.ExitsTimed >= KvmSpeedProbe.MinGaps, verdict.Reason);
        Assert.Equal(verdict.ExitMicroseconds <= KvmSpeedProbe.HardwareMaxExitMicroseconds, verdict.IsHardware);
        if (Environment.GetEnvironmentVariable("KVM_LAB") == "1")
        {
            // The lab (shared/DESIGN.md §3) is QEMU software emulation with nested KVM: never hardware.
            Assert.False(verdict.IsHardware, verdict.Reason);
            Assert.Contains("emulated", verdict.Reason);
        }
    }

    [Fact]
    public void Exits_of_a_few_microseconds_are_hardware_even_with_a_few_slow_ones()
    {
        long[] stamps = Stamps(Enumerable.Repeat(2L, 999).Concat([5_000, 3_000, 40]).ToArray());
        KvmSpeedVerdict verdict = KvmSpeedProbe.Judge(stamps, MicrosecondTicks, TimeSpan.FromSeconds(1));
        Assert.True(verdict.IsHardware, verdict.Reason);
        Assert.Equal(2, verdict.ExitMicroseconds);
        Assert.Equal(1002, verdict.ExitsTimed);
        Assert.Contains("hardware", verdict.Reason);
    }

    [Fact]
    public void Exits_of_fifty_microseconds_are_emulation()
    {
        long[] stamps = Stamps(Enumerable.Repeat(50L, 1000).Concat(Enumerable.Repeat(3L, 10)).ToArray());
        KvmSpeedVerdict verdict = KvmSpeedProbe.Judge(stamps, MicrosecondTicks, TimeSpan.FromSeconds(1));
        Assert.False(verdict.IsHardware);
        Assert.Equal(50, verdict.ExitMicroseconds);
        Assert.Contains("emulated", verdict.Reason);
    }

    [Theory]
    [InlineData(new long[] { 20, 20, 20 }, true)]
    [InlineData(new long[] { 21, 21, 21 }, false)]
    [InlineData(new long[] { 10, 30 }, true)] // an even count: the mean of the middle two, 20
    [InlineData(new long[] { 10, 32 }, false)]
    public void The_median_gap_is_compared_with_the_threshold(long[] gaps, bool hardware)
    {
        long[] repeated = Enumerable.Repeat(gaps, KvmSpeedProbe.MinGaps).SelectMany(g => g).ToArray();
        KvmSpeedVerdict verdict = KvmSpeedProbe.Judge(Stamps(repeated), MicrosecondTicks, TimeSpan.FromSeconds(1));
        Assert.Equal(hardware, verdict.IsHardware);
    }

    [Fact]
    public void The_clock_frequency_converts_ticks_to_microseconds()
    {
        // A 10 MHz clock: 30 ticks are 3 µs.
        KvmSpeedVerdict verdict = KvmSpeedProbe.Judge(Stamps(Enumerable.Repeat(30L, 200).ToArray()), 10_000_000, TimeSpan.FromSeconds(1));
        Assert.Equal(3, verdict.ExitMicroseconds);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(KvmSpeedProbe.MinGaps)]
    public void Too_few_exits_within_the_budget_mean_emulation_with_nothing_measured(int stampCount)
    {
        long[] stamps = Enumerable.Range(0, stampCount).Select(i => i * 2L).ToArray();
        KvmSpeedVerdict verdict = KvmSpeedProbe.Judge(stamps, MicrosecondTicks, TimeSpan.FromSeconds(1));
        Assert.False(verdict.IsHardware);
        Assert.Null(verdict.ExitMicroseconds);
        Assert.Contains("emulated", verdict.Reason);
    }

    [Fact]
    public void Probe_guest_writes_the_probe_port_n_times_then_halts()
    {
        byte[] code = KvmSpeedProbe.ExitProgram(0x01020304);
        Assert.Equal(new byte[] { 0x66, 0xb9, 0x04, 0x03, 0x02, 0x01 }, code[..6]); // mov ecx, n
        Assert.Equal(new byte[] { 0xe6, (byte)KvmSpeedProbe.ProbePort }, code[6..8]); // out port, al
        Assert.Equal(new byte[] { 0x66, 0x49, 0x75 }, code[8..11]); // dec ecx; jnz
        Assert.Equal(6, 12 + (sbyte)code[11]); // the jnz goes back to the out
        Assert.Equal(0xf4, code[12]); // hlt
        Assert.Equal(13, code.Length);
    }

    /// <summary>Timestamps starting at 0 whose consecutive differences are <paramref name="gaps"/>.</summary>
    private static long[] Stamps(long[] gaps)
    {
        var stamps = new long[gaps.Length + 1];
        for (int i = 0; i < gaps.Length; i++)
        {
            stamps[i + 1] = stamps[i] + gaps[i];
        }
        return stamps;
    }
}
