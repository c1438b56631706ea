using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace Platform.Runtime.Bundles;

/// <summary>
/// Unpacks an untrusted tar or tar.gz into a new directory and never writes outside it: entry names with
/// <c>..</c> or a leading <c>/</c> are refused, no path is ever resolved through a symlink (every parent is
/// checked with lstat and files are created with O_EXCL), hard links may only name regular files already
/// unpacked, device nodes and fifos are refused, and size and entry caps are enforced while streaming.
/// </summary>
public static partial class BundleExtractor
{
    // Linux's NAME_MAX and PATH_MAX (with its NUL): a longer name cannot be created, and the kernel's ENAMETOOLONG
    // would surface as a PathTooLongException (an IOException, a 500 at the api) instead of a refused bundle.
    private const int MaxComponentBytes = 255;
    private const int MaxPathBytes = 4095;

    private const UnixFileMode PermissionBits =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute |
        UnixFileMode.StickyBit;

    /// <summary>
    /// Unpacks <paramref name="source"/> (a tar, gzip-compressed or not: detected from its first bytes) into
    /// <paramref name="destinationDirectory"/>, which must not exist yet. On failure the caller deletes the directory.
    /// </summary>
    /// <exception cref="BundleException">Malformed (400) or TooLarge (413) input.</exception>
    public static async Task ExtractAsync(Stream source, string destinationDirectory, BundleLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(limits);
        string root = Path.GetFullPath(destinationDirectory);
        if (Path.Exists(root))
        {
            throw new IOException($"'{root}' already exists");
        }
        Directory.CreateDirectory(root);

        Stream tarStream = await OpenTarStreamAsync(source, cancellationToken).ConfigureAwait(false);
        await using var limited = new LimitedReadStream(tarStream, limits.MaxUncompressedBytes);
        await using var reader = new TarReader(limited, leaveOpen: true);
        int entries = 0;
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
            {
                throw new BundleException(BundleErrorKind.Malformed, $"not a valid tar archive: {e.Message}", e);
            }
            if (entry is null)
            {
                break;
            }
            if (++entries > limits.MaxEntries)
            {
                throw new BundleException(BundleErrorKind.TooLarge, $"the bundle has more than {limits.MaxEntries} entries");
            }
            try
            {
                await ExtractEntryAsync(root, entry, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                throw new BundleException(BundleErrorKind.Malformed, $"not a valid tar archive: {e.Message}", e);
            }
        }
    }

    private static async Task<Stream> OpenTarStreamAsync(Stream source, CancellationToken cancellationToken)
    {
        var magic = new byte[2];
        int read = 0;
        while (read < magic.Length)
        {
            int n = await source.ReadAsync(magic.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        Stream whole = new PrefixedStream(magic.AsMemory(0, read), source);
        bool gzip = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return gzip ? new GZipStream(whole, CompressionMode.Decompress) : whole;
    }

    private static async Task ExtractEntryAsync(string root, TarEntry entry, CancellationToken cancellationToken)
    {
        switch (entry.EntryType)
        {
            case TarEntryType.GlobalExtendedAttributes:
                return;
            case TarEntryType.Directory:
            {
                string[] parts = SplitName(root, entry.Name);
                if (parts.Length == 0)
                {
                    return; // "./": the bundle root itself
                }
                string path = PrepareParents(root, parts, entry.Name);
                FileAttributes? existing = Lstat(path);
                if (existing is null)
                {
                    Directory.CreateDirectory(path);
                }
                else if (IsSymlink(existing.Value) || !existing.Value.HasFlag(FileAttributes.Directory))
                {
                    throw Malformed(entry.Name, "a directory would replace a file or link");
                }
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, entry.Mode & PermissionBits);
                }
                return;
            }
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
            {
                string path = PrepareLeaf(root, entry.Name);
                var options = new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, // O_EXCL: never opens through a symlink
                    Access = FileAccess.Write,
                    Options = FileOptions.Asynchronous,
                };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = entry.Mode & PermissionBits;
                }
                await using var file = new FileStream(path, options);
                if (entry.DataStream is not null)
                {
                    await entry.DataStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                }
                return;
            }
            case TarEntryType.SymbolicLink:
            {
                if (string.IsNullOrEmpty(entry.LinkName) || entry.LinkName.Contains('\0'))
                {
                    throw Malformed(entry.Name, "symlink without a target");
                }
                // The target is stored as is: it is resolved inside the container's root, never by this code.
                string path = PrepareLeaf(root, entry.Name);
                File.CreateSymbolicLink(path, entry.LinkName);
                return;
            }
            case TarEntryType.HardLink:
            {
                string target = ResolveExisting(root, entry.LinkName, entry.Name);
                string path = PrepareLeaf(root, entry.Name);
                if (Link(target, path) != 0)
                {
                    throw Malformed(entry.Name, $"cannot hard-link to '{entry.LinkName}' (errno {Marshal.GetLastPInvokeError()})");
                }
                return;
            }
            default:
                throw Malformed(entry.Name, $"{entry.EntryType} entries are not allowed in a bundle");
        }
    }

    /// <summary>Splits a tar entry name into components, refusing absolute paths, ".." and names too long to create under root.</summary>
    private static string[] SplitName(string root, string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('\0'))
        {
            throw Malformed(name, "empty or invalid name");
        }
        if (name.StartsWith('/'))
        {
            throw Malformed(name, "absolute paths are not allowed");
        }
        string[] parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
        {
            throw Malformed(name, "'..' is not allowed in a path");
        }
        if (parts.Any(p => Encoding.UTF8.GetByteCount(p) > MaxComponentBytes))
        {
            throw Malformed(name, $"a path component is longer than {MaxComponentBytes} bytes");
        }
        if (Encoding.UTF8.GetByteCount(root) + parts.Sum(p => 1 + Encoding.UTF8.GetByteCount(p)) > MaxPathBytes)
        {
            throw Malformed(name, $"the path is longer than {MaxPathBytes} bytes once unpacked");
        }
        return parts;
    }

    /// <summary>Makes sure every parent of the entry is a real directory under root (creating missing ones) and returns the entry's path.</summary>
    private static string PrepareParents(string root, string[] parts, string name)
    {
        string current = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Join(current, parts[i]);
            FileAttributes? attributes = Lstat(current);
            if (attributes is null)
            {
                Directory.CreateDirectory(current);
            }
            else if (IsSymlink(attributes.Value))
            {
                throw Malformed(name, $"its parent '{string.Join('/', parts[..(i + 1)])}' is a symlink");
            }
            else if (!attributes.Value.HasFlag(FileAttributes.Directory))
            {
                throw Malformed(name, $"its parent '{string.Join('/', parts[..(i + 1)])}' is not a directory");
            }
        }
        return Path.Join(current, parts[^1]);
    }

    /// <summary>Prepares the path of a file or link entry: parents checked, an earlier file or link at the same name removed (tar's last-wins rule).</summary>
    private static string PrepareLeaf(string root, string name)
    {
        string[] parts = SplitName(root, name);
        if (parts.Length == 0)
        {
            throw Malformed(name, "a file cannot replace the bundle root");
        }
        string path = PrepareParents(root, parts, name);
        FileAttributes? existing = Lstat(path);
        if (existing is not null)
        {
            if (existing.Value.HasFlag(FileAttributes.Directory) && !IsSymlink(existing.Value))
            {
                throw Malformed(name, "a file would replace a directory");
            }
            File.Delete(path); // unlinks a symlink itself, never its target
        }
        return path;
    }

    /// <summary>Resolves a hard link's target: it must be a regular file unpacked earlier, reached through real directories only.</summary>
    private static string ResolveExisting(string root, string linkName, string name)
    {
        if (string.IsNullOrEmpty(linkName))
        {
            throw Malformed(name, "hard link without a target");
        }
        string[] parts;
        try
        {
            parts = SplitName(root, linkName);
        }
        catch (BundleException e)
        {
            throw Malformed(name, $"hard link target '{linkName}': {e.Message}");
        }
        if (parts.Length == 0)
        {
            throw Malformed(name, "hard link to the bundle root");
        }
        // Only directories, regular files and symlinks are ever created here, so "not a directory and not a
        // symlink" means a regular file.
        string current = root;
        for (int i = 0; i < parts.Length; i++)
        {
            current = Path.Join(current, parts[i]);
            FileAttributes? attributes = Lstat(current);
            bool last = i == parts.Length - 1;
            bool ok = attributes is { } a && !IsSymlink(a) && (last ? !a.HasFlag(FileAttributes.Directory) : a.HasFlag(FileAttributes.Directory));
            if (!ok)
            {
                throw Malformed(name, $"hard link target '{linkName}' is not a regular file unpacked earlier in the bundle");
            }
        }
        return current;
    }

    internal static FileAttributes? Lstat(string path)
    {
        try
        {
            return File.GetAttributes(path);
        }
        // ENAMETOOLONG: no such path can exist. Callers check paths that come from a bundle (root.path), and a
        // PathTooLongException escaping from here was a 500 instead of "not a directory in the bundle".
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        {
            return null;
        }
    }

    internal static bool IsSymlink(FileAttributes attributes) => attributes.HasFlag(FileAttributes.ReparsePoint);

    private static BundleException Malformed(string name, string why) =>
        new(BundleErrorKind.Malformed, $"entry '{name}': {why}");

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string oldPath, string newPath);
}
