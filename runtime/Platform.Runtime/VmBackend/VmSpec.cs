using Platform.Runtime.Spec;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// Checks a bundle's `vm` section (config-vm.md) and what a microVM cannot honour, before anything is written,
/// and derives the machine's size from linux.resources (memory limit → guest RAM, CPU quota/period → vCPUs).
/// </summary>
internal static class VmSpec
{
    public const int DefaultMemoryMiB = 128;
    public const int MinimumMemoryMiB = 32;
    public const int MaximumVcpus = 16;

    /// <summary>Host memory the VMM process needs beyond the guest's RAM (its own heap, device buffers, the image).</summary>
    public const long VmmOverheadBytes = (long)MicroVmMemory.VmmOverheadMiB << 20;

    /// <summary>
    /// Guest RAM beyond the memory limit, for the guest kernel, the guest agent and the root disk's page cache: the
    /// limit applies to the function's cgroup inside the guest, so the function runs out of memory there (an OOM
    /// kill the agent reports), never the whole guest (which would end the VM mid-answer).
    /// </summary>
    public const int GuestHeadroomMiB = MicroVmMemory.GuestHeadroomMiB;

    /// <summary>The machine to build; <paramref name="GuestConfig"/> is the config.json for the guest agent (<see cref="VmBackend.GuestConfig"/>).</summary>
    public sealed record Resolved(string Kernel, string? KernelParameters, string? Image, int MemoryMiB, int Vcpus, byte[] GuestConfig);

    public static Resolved Validate(RuntimeSpec spec, string bundle)
    {
        var vm = spec.Vm!;
        if (vm.Hypervisor?.Path is { Length: > 0 } hypervisor && Path.GetFileName(hypervisor) != RuntimeOptions.BinaryName)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, $"vm.hypervisor.path: this runtime's VMM is built in; {hypervisor} is not platform-runtime");
        }

        if (vm.Hypervisor?.Parameters is { Count: > 0 })
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "vm.hypervisor.parameters: the built-in VMM takes no parameters");
        }

        var kernel = ResolveFile(vm.Kernel?.Path, bundle, "vm.kernel.path");
        if (vm.Kernel?.Initrd is { Length: > 0 })
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "vm.kernel.initrd: the runtime builds the guest's initramfs itself (it holds the guest agent); a custom one is not supported");
        }

        string? image = null;
        if (vm.Image is { } disk)
        {
            if (disk.Format is not (null or "raw"))
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, $"vm.image.format: only raw images are supported, not {disk.Format}");
            }

            image = ResolveFile(disk.Path, bundle, "vm.image.path");
        }
        if (spec.Process?.Terminal == true)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "process.terminal: a microVM container has no terminal yet; run it without one");
        }

        for (var i = 0; i < (spec.Mounts?.Count ?? 0); i++)
        {
            var mount = spec.Mounts![i];
            if (mount.Type == "bind" || mount.Options?.Any(o => o is "bind" or "rbind") == true)
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, $"mounts[{i}]: a microVM cannot bind-mount host paths ({mount.Source} on {mount.Destination})");
            }
        }
        var parameters = vm.Kernel?.Parameters is { Count: > 0 } list ? string.Join(' ', list) : null;
        return new Resolved(kernel, parameters, image, MemoryMiB(spec.Linux?.Resources), Vcpus(spec.Linux?.Resources), GuestConfig.Build(spec));
    }

    /// <summary>
    /// The host cgroup holds the VMM process, not the function: a memory limit meant for the function sized the
    /// guest, so the host limit grows by the guest's headroom and <see cref="VmmOverheadBytes"/> for the VMM's own memory, and the
    /// device rules (which the guest applies to the function) give way to what a VMM opens: /dev/kvm and the
    /// harmless character devices. Call after <see cref="Validate"/>, which reads the function's own values.
    /// </summary>
    public static void ConfineHostCgroup(RuntimeSpec spec)
    {
        if (spec.Linux?.Resources is not { } resources)
        {
            return;
        }

        resources.Devices =
        [
            new DeviceCgroup { Allow = false, Access = "rwm" },
            Char(10, 232), Char(1, 3), Char(1, 5), Char(1, 7), Char(1, 8), Char(1, 9),
        ];
        if (resources.Memory is not { } memory)
        {
            return;
        }

        const long overhead = ((long)GuestHeadroomMiB << 20) + VmmOverheadBytes;
        if (memory.Limit is > 0 and var limit)
        {
            memory.Limit = limit + overhead;
        }

        if (memory.Swap is > 0 and var swap)
        {
            memory.Swap = swap + overhead;
        }

        if (memory.Reservation is > 0 and var reservation)
        {
            memory.Reservation = reservation + overhead;
        }
    }

    private static DeviceCgroup Char(long major, long minor) => new() { Allow = true, Type = "c", Major = major, Minor = minor, Access = "rwm" };

    /// <summary>Guest RAM: the memory limit rounded up to whole MiB plus <see cref="GuestHeadroomMiB"/>, at least <see cref="MinimumMemoryMiB"/>.</summary>
    internal static int MemoryMiB(Resources? resources)
    {
        if (resources?.Memory?.Limit is not { } limit || limit <= 0)
        {
            return DefaultMemoryMiB;
        }

        return (int)Math.Clamp(((limit + (1 << 20) - 1) >> 20) + GuestHeadroomMiB, MinimumMemoryMiB, 1024 * 1024);
    }

    /// <summary>vCPUs: the CPU quota in whole CPUs, rounded up (1 without a quota).</summary>
    internal static int Vcpus(Resources? resources)
    {
        if (resources?.Cpu is not { Quota: > 0 and var quota } cpu)
        {
            return 1;
        }

        var period = cpu.Period is > 0 and var p ? (long)p : 100_000;
        return (int)Math.Clamp((quota + period - 1) / period, 1, MaximumVcpus);
    }

    private static string ResolveFile(string? path, string bundle, string jsonPath)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: required for a microVM container");
        }

        var full = Path.GetFullPath(path, bundle);
        if (!File.Exists(full))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{jsonPath}: {full} does not exist");
        }

        return full;
    }
}
