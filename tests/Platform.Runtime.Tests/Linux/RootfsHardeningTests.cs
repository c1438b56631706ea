using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Linux;

/// <summary>
/// A hostile rootfs: files planted where the init makes device nodes, and symlinks where it masks paths. Each test
/// works on its own copy of the busybox rootfs, since it plants things in it.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class RootfsHardeningTests(ContainerHost host) : IDisposable
{
    private readonly string _dir = TempDirectory.Create("platform-hostile-rootfs-");

    private string Rootfs => Path.Combine(_dir, "rootfs");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void CopyRootfs()
    {
        host.RequireContainers();
        using var cp = System.Diagnostics.Process.Start("cp", ["-a", host.Rootfs, Rootfs]);
        cp.WaitForExit();
        Assert.Equal(0, cp.ExitCode);
    }

    /// <summary>The default spec without the /dev tmpfs, so /dev is the rootfs's own directory.</summary>
    private RuntimeSpec SpecWithRootfsDev(string script)
    {
        var spec = TestSpecs.Shell(Rootfs, script);
        spec.Mounts = [.. spec.Mounts!.Where(m => m.Destination is "/proc" or "/sys")];
        return spec;
    }

    [Fact]
    public async Task Planted_files_and_symlinks_at_device_paths_are_replaced_by_the_devices()
    {
        CopyRootfs();
        var dev = Path.Combine(Rootfs, "dev");
        Directory.CreateDirectory(dev);
        File.WriteAllText(Path.Combine(dev, "null"), "planted\n");
        File.WriteAllText(Path.Combine(Rootfs, "victim"), "untouched\n");
        File.CreateSymbolicLink(Path.Combine(dev, "zero"), "/victim");
        File.CreateSymbolicLink(Path.Combine(dev, "full"), "/dev/null");

        var spec = SpecWithRootfsDev("stat -c '%F %t:%T' /dev/null /dev/zero /dev/full; echo overwritten > /dev/zero; cat /victim");
        await using var container = await TestContainer.CreateAsync(host, spec);

        Assert.Equal("character special file 1:3\ncharacter special file 1:5\ncharacter special file 1:7\nuntouched\n",
            await container.RunAsync());
    }

    [Fact]
    public async Task A_device_node_already_right_is_kept()
    {
        CopyRootfs();
        var spec = SpecWithRootfsDev("stat -c '%F %t:%T %a' /dev/null");
        await using (var first = await TestContainer.CreateAsync(host, spec))
        {
            Assert.Equal("character special file 1:3 666\n", await first.RunAsync());
        }

        // The node the first container made is now in the rootfs: the second create meets EEXIST on the right device.
        await using var second = await TestContainer.CreateAsync(host, spec);
        Assert.Equal("character special file 1:3 666\n", await second.RunAsync());
    }

    [Fact]
    public async Task A_masked_path_that_is_a_magic_link_is_refused_not_followed()
    {
        CopyRootfs();
        // Followed as a plain path, this masks /etc/passwd through /proc/self/root; resolved with
        // RESOLVE_NO_MAGICLINKS it is refused.
        File.CreateSymbolicLink(Path.Combine(Rootfs, "masklink"), "/proc/self/root/etc/passwd");
        var spec = TestSpecs.Shell(Rootfs, "cat /etc/passwd | head -c 4");
        spec.Linux!.MaskedPaths = ["/masklink"];

        var e = await Assert.ThrowsAsync<RuntimeException>(async () =>
        {
            await using var container = await TestContainer.CreateAsync(host, spec);
            await container.RunAsync();
        });

        Assert.Contains("/masklink", e.Message);
    }

    [Fact]
    public async Task A_read_only_path_behind_a_symlink_stays_inside_the_root()
    {
        CopyRootfs();
        Directory.CreateDirectory(Path.Combine(Rootfs, "data"));
        File.CreateSymbolicLink(Path.Combine(Rootfs, "ro-link"), "/proc/self/cwd/data");
        var spec = TestSpecs.Shell(Rootfs, "touch /data/x 2>/dev/null && echo writable");
        spec.Linux!.ReadonlyPaths = ["/ro-link"];

        var e = await Assert.ThrowsAsync<RuntimeException>(async () =>
        {
            await using var container = await TestContainer.CreateAsync(host, spec);
            await container.RunAsync();
        });

        Assert.Contains("/ro-link", e.Message);
    }
}
