using System.Globalization;
using System.Text.Json;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Spec;
using Platform.Runtime.Validation;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// No field is silently ignored: what the host can apply is applied, what it cannot is refused naming the field;
/// capabilities the runtime does not hold are left out with a warning (runtime-spec 1.1).
/// </summary>
public sealed class HostSupportTests(BundleFixture rootfs) : IClassFixture<BundleFixture>, IAsyncLifetime
{
    private readonly CliSession _cli = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Fact]
    public async Task Fields_the_host_cannot_honour_fail_create_naming_each_one()
    {
        CliBinary.Require(root: true);
        var host = HostSupport.Probe();
        var bundle = rootfs.NewBundle(_cli.Dir, spec =>
        {
            spec.Process!.ApparmorProfile = "platform-test";
            spec.Process.SelinuxLabel = "system_u:system_r:container_t:s0";
            spec.Process.Scheduler = new RefusedSection();
            spec.Linux!.MountLabel = "system_u:object_r:container_file_t:s0";
            spec.Linux.IntelRdt = new RefusedSection();
            spec.Linux.Resources!.Network = new RefusedSection();
        });
        var id = _cli.NewId();

        var create = await _cli.Cli("create", "--bundle", bundle, id);

        Assert.Equal(1, create.ExitCode);
        List<string> refused = ["process.scheduler", "linux.intelRdt", "linux.resources.network"];
        if (!host.AppArmor)
        {
            refused.Add("process.apparmorProfile: AppArmor is not enabled on this host");
        }

        if (!host.SeLinux)
        {
            refused.AddRange(["process.selinuxLabel: SELinux is not enabled on this host", "linux.mountLabel: SELinux is not enabled on this host"]);
        }

        Assert.All(refused, field => Assert.Contains(field, create.Stderr));
        Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task Personality_and_io_priority_are_applied()
    {
        CliBinary.Require(root: true);
        var bundle = rootfs.NewBundle(_cli.Dir, spec =>
        {
            spec.Linux!.Personality = new Personality { Domain = "LINUX32" };
            spec.Process!.IoPriority = new IoPriority { Class = "IOPRIO_CLASS_BE", Priority = 6 };
        }, "/bin/sh", "-c", "uname -m; ionice -p $$");
        var id = _cli.NewId();

        var run = await _cli.Cli("run", "--bundle", bundle, id);

        Assert.True(run.ExitCode == 0, CliBinary.Describe(run));
        Assert.Equal(["i686", "best-effort: prio 6"], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_capability_the_runtime_does_not_hold_is_left_out_with_a_warning()
    {
        CliBinary.Require(root: true);
        var held = ulong.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapPrm:", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var missing = KnownNames.Capabilities.Order(StringComparer.Ordinal).FirstOrDefault(c => CapabilityNames.NumberOf(c) is >= 0 and var n && (held & (1UL << n)) == 0);
        if (missing is null)
        {
            Assert.Skip("this process holds every capability the runtime knows");
        }

        string Bundle(string version) => rootfs.NewBundle(_cli.Dir, spec =>
        {
            spec.OciVersion = version;
            spec.Process!.Capabilities = new Capabilities { Bounding = ["CAP_KILL", missing], Effective = ["CAP_KILL", missing], Permitted = ["CAP_KILL", missing] };
        }, "/bin/sh", "-c", "grep CapBnd /proc/self/status");

        var run = await _cli.Cli("run", "--bundle", Bundle("1.1.0"), _cli.NewId());
        var strict = await _cli.Cli("run", "--bundle", Bundle("1.0.2"), _cli.NewId());

        Assert.True(run.ExitCode == 0, CliBinary.Describe(run));
        Assert.Contains($"warning: process.capabilities.bounding[1]: {missing} is not held by the runtime", run.Stderr);
        Assert.Equal("CapBnd:\t0000000000000020\n", run.Stdout);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains($"process.capabilities.bounding[1]: {missing} is not held by the runtime", strict.Stderr);
    }

    [Fact]
    public async Task Features_says_which_security_modules_this_host_supports()
    {
        var host = HostSupport.Probe();

        var r = await _cli.Cli("features");

        Assert.Equal(0, r.ExitCode);
        var linux = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("linux");
        Assert.Equal(host.AppArmor, linux.GetProperty("apparmor").GetProperty("enabled").GetBoolean());
        Assert.Equal(host.SeLinux, linux.GetProperty("selinux").GetProperty("enabled").GetBoolean());
        Assert.False(linux.GetProperty("intelRdt").GetProperty("enabled").GetBoolean());
    }
}
