using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests;

public sealed class KvmSpeedProbeTests
{
    [Fact]
    public async Task Probe_returns_a_verdict_with_rate_and_reason()
    {
        KvmSpeedVerdict verdict = await KvmSpeedProbe.MeasureAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Console.WriteLine($"KVM speed probe: {verdict}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
        if (!KvmHost.IsAvailable)
        {
            Assert.False(verdict.IsHardware);
            Assert.Equal(0, verdict.InstructionsPerSecond);
            Assert.StartsWith("no usable KVM", verdict.Reason);
            return;
        }
        Assert.True(verdict.InstructionsPerSecond > 0, verdict.Reason);
        Assert.Equal(verdict.InstructionsPerSecond >= KvmSpeedProbe.HardwareThreshold, verdict.IsHardware);
        Assert.Contains("instructions/s", verdict.Reason);
    }

    [Fact]
    public void Probe_loop_counts_down_ecx_and_reports_by_hlt()
    {
        byte[] code = KvmSpeedProbe.LoopProgram(0x01020304);
        Assert.Equal(new byte[] { 0x66, 0xb9, 0x04, 0x03, 0x02, 0x01 }, code[..6]);
        Assert.Equal(0xf4, code[^1]);
    }
}
