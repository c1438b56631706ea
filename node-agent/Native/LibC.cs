using System.Runtime.InteropServices;

namespace Platform.NodeAgent.Native;

/// <summary>The few libc calls the node agent needs that .NET does not expose.</summary>
internal static partial class LibC
{
    public const int CLONE_NEWNET = 0x40000000;
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_CLOEXEC = 0x80000;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int socketpair(int domain, int type, int protocol, int* sv);
}
