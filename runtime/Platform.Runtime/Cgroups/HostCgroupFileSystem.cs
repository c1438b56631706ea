using System.Runtime.InteropServices;
using System.Text;
using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Cgroups;

internal sealed partial class HostCgroupFileSystem : ICgroupFileSystem
{
    private const int ENOENT = 2, EBUSY = 16;

    /// <summary>trusted.* needs CAP_SYS_ADMIN to set, so a process inside a delegated cgroup cannot forge it.</summary>
    private const string CreatedMarker = "trusted.platform-runtime.created";

    public static readonly HostCgroupFileSystem Instance = new();

    public bool FileExists(string path) => File.Exists(path);

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"cgroup: reading {path}: {e.Message}", e);
        }
    }

    public void WriteFile(string path, string value)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Truncate, FileAccess.Write);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(value), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string reason = e is FileNotFoundException ? "no such file (controller not available?)" : e.Message;
            throw new RuntimeException(RuntimeException.KindOf(e), $"cgroup: writing \"{value}\" to {path}: {reason}", e);
        }
    }

    public void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException(RuntimeException.KindOf(e), $"cgroup: creating {path}: {e.Message}", e);
        }
    }

    public bool TryRemoveDirectory(string path)
    {
        if (Rmdir(path) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ENOENT => true,
            EBUSY => false,
            _ => throw new RuntimeException(Sys.KindOf(errno), $"cgroup: removing {path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    public IEnumerable<string> GetDirectories(string path) =>
        Directory.Exists(path) ? Directory.GetDirectories(path) : [];

    public unsafe void MarkCreated(string path, string owner)
    {
        var value = System.Text.Encoding.UTF8.GetBytes(owner);
        fixed (byte* p = value)
        {
            if (SetXattr(path, CreatedMarker, p, (nuint)value.Length, 0) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new RuntimeException(Sys.KindOf(errno), $"cgroup: marking {path} as created for {owner} ({CreatedMarker}): {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
    }

    /// <summary>
    /// The owner in the marker. Any failure to read it (ENODATA, a file system without xattrs, EPERM) counts as
    /// "not ours": a group this runtime cannot prove it made for this container is left in place rather than
    /// removed, and `delete --force` still completes.
    /// </summary>
    public unsafe string? CreatedFor(string path)
    {
        // Container IDs are at most a few hundred bytes; anything longer is not our marker.
        var buffer = stackalloc byte[1024];
        var length = GetXattr(path, CreatedMarker, buffer, 1024);
        return length > 0 ? System.Text.Encoding.UTF8.GetString(buffer, (int)length) : null;
    }

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SetXattr(string path, string name, byte* value, nuint size, int flags);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint GetXattr(string path, string name, byte* value, nuint size);

    [LibraryImport("libc", EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rmdir(string path);
}
