using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Vmm.Tests.Infrastructure;

/// <summary>Whether this host has a usable /dev/kvm; tests that run guests skip with the reason printed when not.</summary>
internal static class KvmHost
{
    private static readonly Lazy<string?> Unavailable = new(() =>
    {
        try
        {
            using Kvm kvm = Kvm.Open();
            return null;
        }
        catch (VmmException e)
        {
            return e.Message;
        }
    });

    /// <summary>
    /// Skips the calling test (printing why) when KVM cannot be used here, or fails it where KVM is promised:
    /// scripts/test sets PLATFORM_REQUIRE_KVM=1 in the KVM lab, so a broken lab cannot pass as skipped tests.
    /// </summary>
    public static void Require()
    {
        // scripts/test's verdict on a /dev/kvm that opens but does not run a guest (it tried to boot one).
        if ((Environment.GetEnvironmentVariable("PLATFORM_NO_KVM") is { Length: > 0 } verdict ? verdict : Unavailable.Value) is { } reason)
        {
            Assert.False(Required, $"PLATFORM_REQUIRE_KVM=1 but KVM is unavailable: {reason}");
            Console.WriteLine($"SKIP: KVM unavailable: {reason}");
            Assert.Skip($"KVM unavailable: {reason}");
        }
    }

    public static bool IsAvailable => Unavailable.Value is null;

    /// <summary>Whether the caller promised KVM (PLATFORM_REQUIRE_KVM=1): KVM tests then fail instead of skipping.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("PLATFORM_REQUIRE_KVM") == "1";

    /// <summary>Runs the VM to its end, with a generous bound so a broken guest fails the test instead of hanging it.</summary>
    public static async Task<VmExit> RunToEndAsync(MicroVm vm)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        VmExit exit = await vm.RunAsync(bound.Token);
        Assert.False(exit.Reason == VmExitReason.Stopped, "the guest did not end within 60 s: " + exit + Environment.NewLine + Describe(vm));
        return exit;
    }

    /// <summary>Where a stalled guest stands (<see cref="MicroVm.DescribeStall"/>).</summary>
    public static string Describe(MicroVm vm) => vm.DescribeStall();
}
