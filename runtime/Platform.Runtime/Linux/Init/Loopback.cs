using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>Brings `lo` up in a new network namespace (as runc and crun do): the platform dials 127.0.0.1 in it.</summary>
internal static unsafe class Loopback
{
    public static void Up()
    {
        var socket = Sys.Check(Libc.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
        try
        {
            // struct ifreq: 16-byte name, then the flags (short) in the union.
            var ifreq = stackalloc byte[40];
            new Span<byte>(ifreq, 40).Clear();
            "lo"u8.CopyTo(new Span<byte>(ifreq, 16));
            Sys.Check(Libc.ioctl(socket, SIOCGIFFLAGS, ifreq), "read the flags of lo");
            *(short*)(ifreq + 16) |= IFF_UP;
            Sys.Check(Libc.ioctl(socket, SIOCSIFFLAGS, ifreq), "bring lo up");
        }
        finally
        {
            Libc.close(socket);
        }
    }
}
