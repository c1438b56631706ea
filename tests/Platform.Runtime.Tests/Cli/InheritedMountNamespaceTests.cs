using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Cli;

/// <summary>
/// config-linux.md: a namespace not listed is inherited, and one with a path is joined; a container's mounts are
/// made in whichever mount namespace it ends up in. In the host's own, delete takes them away again.
/// </summary>
public sealed class InheritedMountNamespaceTests(BundleFixture rootfs) : IClassFixture<BundleFixture>, IAsyncLifetime
{
    private readonly CliSession _cli = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    /// <summary>A container of the shared rootfs with /proc and a tmpfs on /mnt, in the mount namespace <paramref name="mountNs"/> names (none: inherited).</summary>
    private string Bundle(Namespace? mountNs, params Mount[] extra) => rootfs.NewBundle(_cli.Dir, spec =>
    {
        spec.OciVersion = "1.2.0";
        spec.Root!.Readonly = false;
        spec.Mounts =
        [
            new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
            new Mount { Destination = "/mnt", Type = "tmpfs", Source = "tmpfs", Options = ["size=1m"] },
            .. extra,
        ];
        var linux = spec.Linux!;
        linux.Namespaces = [new Namespace { Type = "pid" }, new Namespace { Type = "ipc" }, new Namespace { Type = "uts" }, .. mountNs is null ? Array.Empty<Namespace>() : [mountNs]];
        linux.MaskedPaths = null;
        linux.ReadonlyPaths = null;
    }, "/bin/sleep", "1000");

    private static List<string> MountPointsUnder(string mountinfo, string dir) =>
        File.ReadAllLines(mountinfo).Select(l => l.Split(' ')[4]).Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task Mounts_without_a_mount_namespace_are_made_on_the_host_and_delete_removes_them()
    {
        CliBinary.Require(root: true);
        var id = _cli.NewId();

        var create = await _cli.Cli("create", "--bundle", Bundle(null), id);

        Assert.True(create.ExitCode == 0, CliBinary.Describe(create));
        var onHost = MountPointsUnder("/proc/self/mountinfo", rootfs.Rootfs);
        Assert.Contains(rootfs.Rootfs + "/proc", onHost);
        Assert.Contains(rootfs.Rootfs + "/mnt", onHost);
        Assert.Equal(0, (await _cli.Cli("start", id)).ExitCode);
        Assert.Equal(0, (await _cli.Cli("delete", "--force", id)).ExitCode);
        Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task A_failed_create_without_a_mount_namespace_leaves_no_mount_on_the_host()
    {
        CliBinary.Require(root: true);
        var id = _cli.NewId();
        var missing = new Mount { Destination = "/opt", Type = "bind", Source = Path.Combine(_cli.Dir, "no-such-dir"), Options = ["bind"] };

        var create = await _cli.Cli("create", "--bundle", Bundle(null, missing), id);

        Assert.Equal(1, create.ExitCode);
        Assert.Contains("mounts[2]", create.Stderr);
        Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
    }

    [Fact]
    public async Task Mounts_are_made_inside_a_joined_mount_namespace()
    {
        CliBinary.Require(root: true);
        // A mount namespace of its own (private, so nothing propagates back to the host) held by a sleeping process.
        using var holder = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "sleep", "1000"]))!;
        try
        {
            var ns = $"/proc/{holder.Id}/ns/mnt";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            // unshare execs sleep once the namespace exists: from then on the link differs from ours.
            while (new FileInfo(ns).LinkTarget == new FileInfo("/proc/self/ns/mnt").LinkTarget)
            {
                Assert.True(DateTime.UtcNow < deadline, "unshare never made its mount namespace");
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
            var id = _cli.NewId();

            var create = await _cli.Cli("create", "--bundle", Bundle(new Namespace { Type = "mount", Path = ns }), id);

            Assert.True(create.ExitCode == 0, CliBinary.Describe(create));
            Assert.Contains(rootfs.Rootfs + "/mnt", MountPointsUnder($"/proc/{holder.Id}/mountinfo", rootfs.Rootfs));
            Assert.Empty(MountPointsUnder("/proc/self/mountinfo", rootfs.Rootfs));
            Assert.Equal(0, (await _cli.Cli("delete", "--force", id)).ExitCode);
            Leftovers.AssertNone(_cli.StateRoot, id, rootfs.Rootfs);
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
