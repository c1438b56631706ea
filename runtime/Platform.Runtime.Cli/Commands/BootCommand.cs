using System.CommandLine;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;

namespace Platform.Runtime.Cli.Commands;

/// <summary>
/// `platform-runtime boot`: boots a kernel in a microVM with the serial console on stdout. Exits 0 when the guest
/// resets or powers off, 1 with the reason on stderr when the VM fails or cannot be built, 2 on bad arguments.
/// </summary>
internal static class BootCommand
{
    public const int ExitClean = 0, ExitVmFailed = 1, ExitUsage = 2;

    /// <param name="stdout">Where the guest console goes; the process's stdout when null.</param>
    /// <param name="stderr">Where failures are reported; the process's stderr when null.</param>
    public static Command Create(Stream? stdout = null, TextWriter? stderr = null)
    {
        var kernel = new Option<FileInfo>("--kernel") { Description = "Kernel to boot: an uncompressed vmlinux ELF or a bzImage", Required = true };
        var initrd = new Option<FileInfo?>("--initrd") { Description = "Initial ramdisk (initramfs) to hand the kernel" };
        var cmdline = new Option<string>("--cmdline")
        {
            Description = "Kernel command line",
            DefaultValueFactory = _ => VmResources.DefaultCmdline,
        };
        var memory = new Option<int>("--memory") { Description = "Guest memory in MiB", DefaultValueFactory = _ => 128 };
        var vcpus = new Option<int>("--vcpus") { Description = "Number of vCPUs", DefaultValueFactory = _ => 1 };
        var drives = new Option<string[]>("--drive") { Description = "A raw disk image as virtio-blk (/dev/vda, vdb, ... in order): PATH or PATH,ro" };

        var command = new Command("boot", "Boot a kernel in a KVM microVM, serial console on stdout")
        {
            kernel, initrd, cmdline, memory, vcpus, drives,
        };
        command.SetAction((result, cancellationToken) =>
        {
            var request = new BootRequest(
                result.GetValue(kernel)!.FullName,
                result.GetValue(initrd)?.FullName,
                result.GetValue(cmdline) ?? VmResources.DefaultCmdline,
                result.GetValue(memory),
                result.GetValue(vcpus))
            {
                Drives = [.. (result.GetValue(drives) ?? []).Select(ParseDrive)],
            };
            return RunAsync(request, stdout ?? Console.OpenStandardOutput(), stderr ?? Console.Error, cancellationToken);
        });
        return command;
    }

    public static async Task<int> RunAsync(BootRequest request, Stream stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (request.MemoryMiB < 16 || request.Vcpus < 1)
        {
            await stderr.WriteLineAsync($"platform-runtime boot: --memory must be at least 16 (MiB) and --vcpus at least 1").ConfigureAwait(false);
            return ExitUsage;
        }
        byte[] kernelBytes, initrdBytes;
        try
        {
            kernelBytes = await File.ReadAllBytesAsync(request.Kernel, cancellationToken).ConfigureAwait(false);
            initrdBytes = request.Initrd is null ? [] : await File.ReadAllBytesAsync(request.Initrd, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"platform-runtime boot: {e.Message}").ConfigureAwait(false);
            return ExitUsage;
        }

        var console = new StreamSerialSink(stdout);
        try
        {
            using MicroVm vm = VmBuilder.Build(new VmResources
            {
                Kernel = kernelBytes,
                Initrd = request.Initrd is null ? null : initrdBytes,
                Cmdline = request.Cmdline,
                MemoryMiB = request.MemoryMiB,
                Vcpus = request.Vcpus,
                Console = console,
                BlockDevices = request.Drives,
            });
            VmExit exit = await vm.RunAsync(cancellationToken).ConfigureAwait(false);
            console.Flush();
            if (exit.IsClean)
            {
                return ExitClean;
            }
            await stderr.WriteLineAsync($"platform-runtime boot: the VM ended: {exit}").ConfigureAwait(false);
            return ExitVmFailed;
        }
        catch (VmmException e)
        {
            console.Flush();
            await stderr.WriteLineAsync($"platform-runtime boot: {Describe(e.Error)}: {e.Message}").ConfigureAwait(false);
            return ExitVmFailed;
        }
    }

    /// <summary>PATH or PATH,ro; the id GET_ID reports is the file name.</summary>
    internal static BlockDeviceConfig ParseDrive(string spec)
    {
        bool readOnly = spec.EndsWith(",ro", StringComparison.Ordinal);
        string path = readOnly ? spec[..^3] : spec;
        return new BlockDeviceConfig(Path.GetFullPath(path), readOnly, Path.GetFileName(path));
    }

    private static string Describe(VmmError error) => error switch
    {
        VmmError.KvmUnavailable => "no KVM",
        VmmError.KvmUnsupported => "KVM unsupported",
        VmmError.InvalidKernel => "bad kernel",
        VmmError.InvalidInitrd => "bad initrd",
        VmmError.InvalidConfiguration => "bad configuration",
        _ => "KVM call failed",
    };
}

/// <summary>The parsed arguments of `boot`.</summary>
internal sealed record BootRequest(string Kernel, string? Initrd, string Cmdline, int MemoryMiB, int Vcpus)
{
    public IReadOnlyList<BlockDeviceConfig> Drives { get; init; } = [];
}
