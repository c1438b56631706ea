using System.Buffers;
using System.Diagnostics;
using System.Text;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// Turns a bundle's root filesystem into a read-only ext4 image for a microVM's virtio-blk root disk, cached by
/// the digest of the tree's content so that every VM of one bundle shares one image (the guest lays a tmpfs
/// overlay on top when the root is writable, so the image itself is never written).
/// ext4 rather than erofs: `mkfs.ext4 -d` (e2fsprogs) is on every Linux host already and ext4 is in every
/// guest kernel, while erofs needs erofs-utils on the host and a newer mkfs for the features worth having.
/// </summary>
internal sealed class RootDisk(string cacheDir)
{
    /// <summary>Slack over the files' own size: ext4 metadata (inodes, directories, block groups) and small-file rounding.</summary>
    private const long MinimumBytes = 16 << 20;

    public string CacheDir { get; } = cacheDir;

    /// <summary>
    /// The image for a tree of <paramref name="digest"/> (<see cref="Digest"/>), built on first use. Callers record
    /// the digest as in use before they call this, so a concurrent <see cref="Prune"/> never removes it under them.
    /// </summary>
    public string Ensure(string rootfs, RootfsDigest digest)
    {
        var image = Path.Combine(CacheDir, digest.Value + ".ext4");
        if (File.Exists(image))
        {
            return image;
        }

        Build(rootfs, image, digest);
        return image;
    }

    /// <summary>
    /// Writes the image of <paramref name="rootfs"/> to <paramref name="image"/>, sized by <paramref name="digest"/>.
    /// Built under a unique name and renamed: a concurrent reader never sees a half-built image.
    /// </summary>
    public static void Build(string rootfs, string image, RootfsDigest digest)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(image))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(image)}.{Environment.ProcessId}.{Random.Shared.Next():x8}");
        try
        {
            var size = Math.Max(MinimumBytes, (digest.Bytes + digest.Entries * 4096L) * 3 / 2);
            Mkfs(rootfs, temp, (size + 4095) / 4096);
            File.Move(temp, image, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Removes cached images whose digest no container uses any more.</summary>
    public void Prune(IReadOnlySet<string> digestsInUse)
    {
        if (!Directory.Exists(CacheDir))
        {
            return;
        }

        foreach (var image in Directory.EnumerateFiles(CacheDir, "*.ext4"))
        {
            if (!digestsInUse.Contains(Path.GetFileNameWithoutExtension(image)))
            {
                File.Delete(image);
            }
        }
    }

    /// <summary>
    /// SHA-256 over every entry of the tree in ordinal order: its path, type, mode, owner, and its content (files),
    /// target (symlinks) or device number: everything `mkfs.ext4 -d` copies into the image. Also the total size
    /// and entry count, which size the image.
    /// </summary>
    public static RootfsDigest Digest(string rootfs)
    {
        var sha = new Sha256();
        long bytes = 0, entries = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            var pending = new Stack<string>();
            pending.Push("");
            while (pending.TryPop(out var relative))
            {
                var full = relative.Length == 0 ? rootfs : Path.Combine(rootfs, relative);
                var names = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
                // Reversed onto the stack so the walk visits directories in order too.
                for (var i = names.Count - 1; i >= 0; i--)
                {
                    var name = relative.Length == 0 ? names[i] : relative + "/" + names[i];
                    var path = Path.Combine(rootfs, name);
                    var stat = Libc.StatAt(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)
                        ?? throw new RuntimeException(Sys.KindOf(Libc.Errno), $"root.path: cannot read {path}: {Libc.ErrorText(Libc.Errno)}");
                    entries++;
                    sha.Append(Encoding.UTF8.GetBytes($"{name}\0{stat.Mode:x}:{stat.Uid}:{stat.Gid}:"));
                    switch (stat.Mode & 0xf000)
                    {
                        case 0x4000:
                            pending.Push(name);
                            break;
                        case 0x8000:
                            bytes += stat.Size;
                            sha.Append(Encoding.ASCII.GetBytes($"{stat.Size}:"));
                            using (var file = File.OpenRead(path))
                            {
                                int n;
                                while ((n = file.Read(buffer, 0, buffer.Length)) > 0)
                                {
                                    sha.Append(buffer.AsSpan(0, n));
                                }
                            }
                            break;
                        case 0xa000:
                            sha.Append(Encoding.UTF8.GetBytes(new FileInfo(path).LinkTarget ?? ""));
                            break;
                        default:
                            sha.Append(Encoding.ASCII.GetBytes($"{stat.Rdev:x}"));
                            break;
                    }
                    sha.Append("\n"u8);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new RootfsDigest(Convert.ToHexStringLower(sha.Finish()), bytes, entries);
    }

    /// <summary>A tree's content digest (hex SHA-256), and its file bytes and entry count, which size its image.</summary>
    public sealed record RootfsDigest(string Value, long Bytes, long Entries);

    private static void Mkfs(string rootfs, string image, long blocks)
    {
        // No journal: the image is only ever mounted read-only. -E root_owner keeps the tree's own root owner.
        var mkfs = new ProcessStartInfo("mkfs.ext4")
        {
            ArgumentList = { "-q", "-F", "-b", "4096", "-O", "^has_journal", "-L", "rootfs", "-d", rootfs, image, blocks.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process process;
        try
        {
            process = Process.Start(mkfs)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, $"vm: building the root disk needs mkfs.ext4 (e2fsprogs): {e.Message}");
        }
        using (process)
        {
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, $"vm: mkfs.ext4 could not build the root disk from {rootfs}: {error.Trim()}");
            }
        }
    }
}
