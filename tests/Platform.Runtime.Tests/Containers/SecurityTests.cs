using System.Diagnostics;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Containers;

/// <summary>seccomp, read-only rootfs and user namespaces as seen from inside a real container created through <see cref="ContainerRuntime"/>.</summary>
[Collection(ContainerCollection.Name)]
public sealed class SecurityTests(ContainerHost host)
{
    [Fact]
    public async Task Seccomp_listener_path_without_a_notify_rule_is_not_an_error()
    {
        var spec = ContainerSpecs.Shell(host.Rootfs, "grep '^Seccomp:' /proc/self/status");
        spec.Linux!.Seccomp = new Spec.Seccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            ListenerPath = "/run/agent.sock",
            Syscalls = [new SyscallRule { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }],
        };
        await using var container = await RuntimeContainer.CreateAsync(host, spec);

        Assert.Equal(0, await container.RunToExitAsync());
        Assert.Equal("Seccomp:\t2\n", container.Output);
    }

    [Fact]
    public async Task Seccomp_errno_rule_makes_mkdir_fail_with_EPERM_while_other_commands_work()
    {
        var spec = ContainerSpecs.Shell(host.Rootfs,
            "grep '^Seccomp:' /proc/self/status; mkdir /tmp/denied; echo mkdir=$?; echo hello > /tmp/file && cat /tmp/file; ls /tmp");
        spec.Linux!.Seccomp = new Spec.Seccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls = [new SyscallRule { Names = ["mkdir", "mkdirat"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
        };
        await using var container = await RuntimeContainer.CreateAsync(host, spec);

        var status = await container.RunToExitAsync();

        Assert.Equal(
            "Seccomp:\t2\nmkdir: can't create directory '/tmp/denied': Operation not permitted\nmkdir=1\nhello\nfile\n",
            container.Output);
        Assert.Equal(0, status);
    }

    [Fact]
    public async Task Read_only_rootfs_refuses_writes_while_the_tmp_tmpfs_stays_writable()
    {
        var marker = "written-" + Guid.NewGuid().ToString("N")[..8];
        var spec = ContainerSpecs.Shell(host.Rootfs,
            $"touch /{marker}; echo root=$?; echo ok > /tmp/ok && cat /tmp/ok; awk '$5 == \"/\" {{ split($6, o, \",\"); print \"options=\" o[1] }}' /proc/self/mountinfo");
        spec.Root!.Readonly = true;
        await using var container = await RuntimeContainer.CreateAsync(host, spec);

        var status = await container.RunToExitAsync();

        Assert.Equal($"touch: /{marker}: Read-only file system\nroot=1\nok\noptions=ro\n", container.Output);
        Assert.Equal(0, status);
        Assert.False(File.Exists(Path.Combine(host.Rootfs, marker)), "the write reached the rootfs on the host");
    }

    [Fact]
    public async Task User_namespace_maps_container_root_to_the_host_range()
    {
        var spec = ContainerSpecs.Shell(host.Rootfs,
            "cat /proc/self/uid_map /proc/self/gid_map; id -u; echo x > /tmp/owned; stat -c 'owner=%u:%g' /tmp/owned; echo ready; exec sleep 1000");
        spec.Linux!.Namespaces!.Add(new Namespace { Type = "user" });
        spec.Linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        await using var container = await RuntimeContainer.CreateAsync(host, spec);

        await container.StartAsync();
        await container.WaitForOutputAsync("ready\n");

        var lines = container.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(["0 100000 65536", "0 100000 65536", "0", "owner=0:0", "ready"], lines);
        // The same process and file seen from the host: container root is host uid 100000.
        Assert.Contains("Uid:\t100000\t100000\t100000\t100000\n", File.ReadAllText($"/proc/{container.Pid}/status"));
        Assert.Equal("100000:100000", await HostOwnerAsync($"/proc/{container.Pid}/root/tmp/owned"));
    }

    private static async Task<string> HostOwnerAsync(string path)
    {
        var start = new ProcessStartInfo("stat") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "%u:%g", path])
        {
            start.ArgumentList.Add(arg);
        }

        using var stat = System.Diagnostics.Process.Start(start)!;
        var output = await stat.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await stat.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await stat.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(stat.ExitCode == 0, $"stat {path}: {error}");
        return output.Trim();
    }
}
