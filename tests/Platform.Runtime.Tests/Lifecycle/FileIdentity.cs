using Platform.Runtime.Linux.Interop;

namespace Platform.Runtime.Tests.Lifecycle;

/// <summary>A file's inode number (fstat), which changes each time the file is replaced by a rename.</summary>
internal static unsafe class FileIdentity
{
    public static ulong? Of(string path)
    {
        var fd = Libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            var buffer = stackalloc byte[256];
            Assert.Equal(0, Libc.fstat(fd, buffer));
            return *(ulong*)(buffer + 8); // st_ino on x86_64
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
