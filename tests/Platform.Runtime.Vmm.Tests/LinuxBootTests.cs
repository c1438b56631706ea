using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;
using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>
/// Boots a real Linux guest (built by scripts/build-guest-kernel) to its init marker wherever KVM opens, the
/// emulated KVM of the lab included; skips and prints why where KVM or the kernel is missing.
/// </summary>
public sealed class LinuxBootTests
{
    public const string Marker = "PLATFORM-GUEST-INIT-OK";

    /// <summary>PLATFORM_GUEST_KERNEL / PLATFORM_GUEST_INITRD, else artifacts/guest/ from the repo root.</summary>
    public static (string Kernel, string Initrd) GuestFiles()
    {
        string dir = Path.Combine(RepoRoot(), "artifacts", "guest");
        return (Environment.GetEnvironmentVariable("PLATFORM_GUEST_KERNEL") ?? Path.Combine(dir, "vmlinux"),
                Environment.GetEnvironmentVariable("PLATFORM_GUEST_INITRD") ?? Path.Combine(dir, "initramfs.cpio.gz"));
    }

    [Fact]
    public async Task Linux_guest_boots_to_its_init_marker_and_resets()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        KvmHost.Require();
        (string kernel, string initrd) = GuestFiles();
        if (!File.Exists(kernel) || !File.Exists(initrd))
        {
            Assert.False(KvmHost.Required, $"PLATFORM_REQUIRE_KVM=1 but there is no guest kernel at {kernel} and {initrd}: run scripts/build-guest-kernel");
            Skip($"no guest kernel at {kernel} and {initrd}: run scripts/build-guest-kernel");
        }

        var console = new BufferSerialSink();
        using MicroVm vm = VmBuilder.Build(new VmResources
        {
            Kernel = await File.ReadAllBytesAsync(kernel, ct),
            Initrd = await File.ReadAllBytesAsync(initrd, ct),
            MemoryMiB = 256,
            Vcpus = 2,
            Console = console,
        });
        // Emulated KVM (the lab) boots in seconds what hardware boots in milliseconds: the bound is for a hang.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(120));
        VmExit exit = await vm.RunAsync(bound.Token);
        Assert.True(exit.Reason == VmExitReason.Reset, $"{exit}\n--- console ---\n{console.Text}");
        Assert.Contains(Marker, console.Text);
    }

    private static void Skip(string reason)
    {
        Console.WriteLine($"SKIP: {reason}");
        Assert.Skip(reason);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Platform.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
