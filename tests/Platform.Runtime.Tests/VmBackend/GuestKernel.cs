using Platform.Runtime.Tests.Cli;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.Runtime.Tests.VmBackend;

/// <summary>
/// What microVM container tests need: /dev/kvm (scripts/test runs them in the KVM lab where the host has none)
/// and the guest kernel from scripts/build-guest-kernel. They skip with the reason where either is missing,
/// except where KVM is promised (PLATFORM_REQUIRE_KVM=1, set in the lab), where a skip would hide a failure.
/// </summary>
internal static class GuestKernel
{
    public static string Path => Environment.GetEnvironmentVariable("PLATFORM_GUEST_KERNEL")
        ?? System.IO.Path.Combine(CliBinary.RepoRoot, "artifacts", "guest", "vmlinux");

    private static bool Required => Environment.GetEnvironmentVariable("PLATFORM_REQUIRE_KVM") == "1";

    public static string Require()
    {
        // scripts/test's verdict on a /dev/kvm that opens but does not run a guest (it tried to boot one).
        if (Environment.GetEnvironmentVariable("PLATFORM_NO_KVM") is { Length: > 0 } verdict)
        {
            Skip($"KVM unavailable: {verdict}");
        }

        try
        {
            using var kvm = Kvm.Open();
        }
        catch (VmmException e)
        {
            Skip($"KVM unavailable: {e.Message}");
        }
        if (!File.Exists(Path))
        {
            Skip($"no guest kernel at {Path}: run scripts/build-guest-kernel");
        }

        return Path;
    }

    /// <summary>
    /// The start of the version banner compiled into the kernel image, "Linux version RELEASE (BUILDER@HOST)": what
    /// /proc/version begins with in its guests (the rest, the build number and date, is filled in at run time).
    /// </summary>
    public static string Banner()
    {
        var image = File.ReadAllBytes(Path);
        var start = image.AsSpan().IndexOf("Linux version "u8);
        Assert.True(start >= 0, "the guest kernel has no version banner");
        var end = image.AsSpan(start).IndexOf(") ("u8);
        Assert.True(end > 0, "the guest kernel's banner has no builder");
        return System.Text.Encoding.ASCII.GetString(image, start, end + 1);
    }

    private static void Skip(string reason)
    {
        Assert.False(Required, $"PLATFORM_REQUIRE_KVM=1 but {reason}");
        Console.WriteLine($"SKIP: {reason}");
        Assert.Skip(reason);
    }
}
