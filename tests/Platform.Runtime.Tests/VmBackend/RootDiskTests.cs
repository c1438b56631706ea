using System.Diagnostics;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime.Tests.VmBackend;

/// <summary>Root disks are real ext4 images (mkfs.ext4 -d), read back with debugfs from the same e2fsprogs.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RootDiskTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rootdisk-test-").FullName;

    private string Rootfs => Path.Combine(_dir, "rootfs");

    public RootDiskTests()
    {
        Directory.CreateDirectory(Path.Combine(Rootfs, "etc"));
        File.WriteAllText(Path.Combine(Rootfs, "etc/hello"), "hello from the disk\n");
        File.CreateSymbolicLink(Path.Combine(Rootfs, "link"), "etc/hello");
    }

    [Fact]
    public void The_image_holds_the_tree_and_is_built_once_per_digest()
    {
        var disks = new RootDisk(Path.Combine(_dir, "cache"));
        var digest = RootDisk.Digest(Rootfs);
        var image = disks.Ensure(Rootfs, digest);

        Assert.Equal(Path.Combine(_dir, "cache", digest.Value + ".ext4"), image);
        Assert.Equal("hello from the disk\n", Debugfs(image, "cat /etc/hello"));
        Assert.Contains("etc/hello", Debugfs(image, "stat /link"));

        var built = File.GetLastWriteTimeUtc(image);
        Assert.Equal(image, disks.Ensure(Rootfs, RootDisk.Digest(Rootfs)));
        Assert.Equal(built, File.GetLastWriteTimeUtc(image));
        Assert.Single(Directory.GetFileSystemEntries(Path.Combine(_dir, "cache")));
    }

    [Fact]
    public void The_digest_follows_content_mode_owner_and_names_only()
    {
        var first = RootDisk.Digest(Rootfs).Value;
        Assert.Equal(first, RootDisk.Digest(Rootfs).Value);
        File.SetLastWriteTimeUtc(Path.Combine(Rootfs, "etc/hello"), DateTime.UnixEpoch);
        Assert.Equal(first, RootDisk.Digest(Rootfs).Value);

        File.WriteAllText(Path.Combine(Rootfs, "etc/hello"), "hello from the disK\n");
        var content = RootDisk.Digest(Rootfs).Value;
        Assert.NotEqual(first, content);

        File.SetUnixFileMode(Path.Combine(Rootfs, "etc/hello"), UnixFileMode.UserRead);
        var mode = RootDisk.Digest(Rootfs).Value;
        Assert.NotEqual(content, mode);

        File.Move(Path.Combine(Rootfs, "etc/hello"), Path.Combine(Rootfs, "etc/hellp"));
        Assert.NotEqual(mode, RootDisk.Digest(Rootfs).Value);
    }

    [Fact]
    public void Prune_removes_only_images_nobody_uses()
    {
        var disks = new RootDisk(Path.Combine(_dir, "cache"));
        var used = disks.Ensure(Rootfs, RootDisk.Digest(Rootfs));
        File.WriteAllText(Path.Combine(Rootfs, "other"), "x");
        var unused = disks.Ensure(Rootfs, RootDisk.Digest(Rootfs));

        disks.Prune(new HashSet<string> { Path.GetFileNameWithoutExtension(used) });

        Assert.True(File.Exists(used));
        Assert.False(File.Exists(unused));
    }

    private static string Debugfs(string image, string request)
    {
        var info = new ProcessStartInfo("debugfs", ["-R", request, image]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
