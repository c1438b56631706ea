using System.CommandLine;
using System.Diagnostics;
using Platform.Runtime.Cli.Commands;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Tests.Infrastructure;

namespace Platform.Runtime.Vmm.Tests;

/// <summary>
/// `platform-runtime boot`: through the published binary when PLATFORM_RUNTIME_BIN names one (as scripts/test
/// does), otherwise through <see cref="BootCommand"/> in-process.
/// </summary>
public sealed class BootCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmm-boot-").FullName;

    private static string? Binary =>
        Environment.GetEnvironmentVariable("PLATFORM_RUNTIME_BIN") is { } bin && File.Exists(bin) ? bin : null;

    [Fact]
    public async Task Boot_of_the_test_kernel_prints_its_console_and_exits_0_on_reset()
    {
        KvmHost.Require();
        string initrd = Path.Combine(_dir, "initrd");
        await File.WriteAllBytesAsync(initrd, new byte[2048], TestContext.Current.CancellationToken);
        (int code, string stdout, string stderr) = await Boot(
            "--kernel", GuestPrograms.TestKernelPath(), "--initrd", initrd, "--cmdline", "console=ttyS0 from-cli", "--memory", "32");
        Assert.True(code == 0, stderr);
        Assert.Contains("cmdline=console=ttyS0 from-cli\n", stdout);
        Assert.Contains("done\n", stdout);
    }

    [Fact]
    public async Task Boot_with_drives_declares_them_on_the_kernel_command_line()
    {
        KvmHost.Require();
        string disk = Path.Combine(_dir, "disk.img"), system = Path.Combine(_dir, "system.img");
        await File.WriteAllBytesAsync(disk, new byte[4096], TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(system, new byte[4096], TestContext.Current.CancellationToken);
        (int code, string stdout, string stderr) = await Boot(
            "--kernel", GuestPrograms.TestKernelPath(), "--cmdline", "console=ttyS0", "--memory", "32", "--drive", disk, "--drive", system + ",ro");
        Assert.True(code == 0, stderr);
        Assert.Contains("cmdline=console=ttyS0 virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6\n", stdout);
    }

    [Fact]
    public async Task Boot_with_a_missing_drive_fails_with_the_reason()
    {
        KvmHost.Require();
        (int code, _, string stderr) = await Boot("--kernel", GuestPrograms.TestKernelPath(), "--drive", Path.Combine(_dir, "nodisk.img"));
        Assert.Equal(BootCommand.ExitVmFailed, code);
        Assert.Contains("nodisk.img", stderr);
    }

    [Fact]
    public async Task Boot_with_one_image_as_two_drives_is_refused_by_its_lock()
    {
        KvmHost.Require();
        string disk = Path.Combine(_dir, "shared.img");
        await File.WriteAllBytesAsync(disk, new byte[4096], TestContext.Current.CancellationToken);
        (int code, _, string stderr) = await Boot("--kernel", GuestPrograms.TestKernelPath(), "--drive", disk, "--drive", disk + ",ro");
        Assert.Equal(BootCommand.ExitVmFailed, code);
        Assert.Contains("bad configuration", stderr);
    }

    [Fact]
    public void A_drive_is_a_path_with_an_optional_ro_suffix()
    {
        Assert.Equal(new Vmm.Builder.BlockDeviceConfig("/d/root.img", false, "root.img"), BootCommand.ParseDrive("/d/root.img"));
        Assert.Equal(new Vmm.Builder.BlockDeviceConfig("/d/root.img", true, "root.img"), BootCommand.ParseDrive("/d/root.img,ro"));
    }

    [Fact]
    public async Task Boot_of_a_file_that_is_no_kernel_fails_with_the_reason()
    {
        string junk = Path.Combine(_dir, "junk");
        await File.WriteAllTextAsync(junk, "not a kernel at all, just text", TestContext.Current.CancellationToken);
        (int code, _, string stderr) = await Boot("--kernel", junk);
        Assert.Equal(BootCommand.ExitVmFailed, code);
        Assert.Contains("bad kernel", stderr);
    }

    [Fact]
    public async Task Boot_of_a_missing_kernel_is_a_usage_error()
    {
        (int code, _, string stderr) = await Boot("--kernel", Path.Combine(_dir, "absent"));
        Assert.NotEqual(0, code);
        Assert.Contains("absent", stderr);
    }

    [Fact]
    public async Task Boot_without_kvm_says_so()
    {
        if (KvmHost.IsAvailable)
        {
            Assert.Skip("this host has KVM; the no-KVM message is checked where it has none");
        }
        (int code, _, string stderr) = await Boot("--kernel", GuestPrograms.TestKernelPath());
        Assert.Equal(BootCommand.ExitVmFailed, code);
        Assert.Contains("no KVM", stderr);
    }

    [Fact]
    public async Task Boot_without_a_command_line_hands_the_guest_the_default_one()
    {
        KvmHost.Require();
        (int code, string stdout, string stderr) = await Boot("--kernel", GuestPrograms.TestKernelPath(), "--memory", "32");
        Assert.True(code == 0, stderr);
        Assert.Contains($"cmdline={VmResources.DefaultCmdline}\n", stdout);
    }

    [Fact]
    public void The_default_command_line_keeps_linux_from_probing_what_the_vm_lacks()
    {
        string[] words = VmResources.DefaultCmdline.Split(' ');
        foreach (string expected in (string[])["console=ttyS0", "reboot=k", "pci=off", "i8042.noaux", "i8042.nomux", "i8042.dumbkbd", "initcall_blacklist=cmos_init"])
        {
            Assert.Contains(expected, words);
        }
    }

    /// <summary>
    /// The published binary is linked statically and binds every P/Invoke at link time, so it boots a VM in a root
    /// that holds nothing but itself, the kernel and /dev/kvm: no libc.so.6, as in a guest initramfs where it will
    /// be the agent. Guest memory, eventfds and closing fds go through Tmds.LibC, the library that used to be
    /// loaded at run time.
    /// </summary>
    [Fact]
    public async Task Published_binary_boots_a_guest_in_a_root_with_no_shared_libraries()
    {
        KvmHost.Require();
        string bin = Binary ?? throw Xunit.Sdk.SkipException.ForSkip("needs the published binary: set PLATFORM_RUNTIME_BIN");
        string root = Path.Combine(_dir, "root");
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        File.Copy(bin, Path.Combine(root, "platform-runtime"));
        File.Copy(GuestPrograms.TestKernelPath(), Path.Combine(root, "kernel"));
        Assert.Equal(0, await Run("/bin/cp", "-a", "/dev/kvm", Path.Combine(root, "dev", "kvm")));
        Assert.Empty(Directory.GetFiles(root, "*.so*", SearchOption.AllDirectories));

        var start = new ProcessStartInfo("/usr/sbin/chroot") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])[root, "/platform-runtime", "boot", "--kernel", "/kernel", "--memory", "32", "--cmdline", "console=ttyS0 in-chroot"])
        {
            start.ArgumentList.Add(a);
        }
        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {await stderr}");
        Assert.Contains("cmdline=console=ttyS0 in-chroot\n", await stdout);
        Assert.Contains("done\n", await stdout);
    }

    private static async Task<int> Run(string file, params string[] args)
    {
        using Process p = Process.Start(file, args);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return p.ExitCode;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> Boot(params string[] args)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        if (Binary is { } bin)
        {
            var start = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("boot");
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }
            using Process p = Process.Start(start)!;
            Task<string> stdout = p.StandardOutput.ReadToEndAsync(ct);
            Task<string> stderr = p.StandardError.ReadToEndAsync(ct);
            await p.WaitForExitAsync(ct);
            return (p.ExitCode, await stdout, await stderr);
        }
        using var output = new MemoryStream();
        using var error = new StringWriter();
        int code = await BootCommand.Create(output, error).Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = error, Error = error }, ct);
        return (code, System.Text.Encoding.Latin1.GetString(output.ToArray()), error.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
