using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux.Init;

/// <summary>
/// process.terminal: a pty from the container's own devpts. The master goes to --console-socket over
/// SCM_RIGHTS (with its name as the payload, as runc sends it); the slave becomes stdio, the controlling
/// terminal and /dev/console.
/// </summary>
internal static unsafe class Terminal
{
    public static void Setup(ConsoleSize? size)
    {
        var master = Sys.Check(Libc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC, 0), "open /dev/ptmx");
        try
        {
            var unlock = 0;
            Sys.Check(Libc.ioctl(master, TIOCSPTLCK, &unlock), "unlock the pty");
            uint number;
            Sys.Check(Libc.ioctl(master, TIOCGPTN, &number), "get the pty number");
            var slavePath = $"/dev/pts/{number}";
            var slave = Sys.Check(Libc.open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC, 0), $"open {slavePath}");
            if (size is not null)
            {
                var winsize = stackalloc ushort[4] { (ushort)size.Height, (ushort)size.Width, 0, 0 };
                Sys.Check(Libc.ioctl(slave, TIOCSWINSZ, winsize), "set the console size");
            }
            SendFd(InitFds.ConsoleSocket, master, "/dev/ptmx");
            Libc.close(InitFds.ConsoleSocket);

            for (var fd = 0; fd <= 2; fd++)
            {
                Sys.Check(Libc.dup2(slave, fd), $"dup2 the pty to fd {fd}");
            }

            Libc.close(slave);
            Sys.Check(Libc.ioctl(0, TIOCSCTTY, null), "make the pty the controlling terminal");

            if (Libc.open("/dev/console", O_PATH | O_CLOEXEC, 0) is var console and >= 0)
            {
                Libc.close(console);
                Sys.Check(Libc.mount(slavePath, "/dev/console", null, MS_BIND, null), "bind-mount the pty on /dev/console");
            }
        }
        finally
        {
            Libc.close(master);
        }
    }

    private static void SendFd(int socket, int fd, string name)
    {
        var payload = Libc.Utf8z(name);
        const int controlSize = 24; // CMSG_SPACE(sizeof(int)) on 64-bit
        var control = stackalloc byte[controlSize];
        new Span<byte>(control, controlSize).Clear();
        *(nuint*)control = 20; // CMSG_LEN(sizeof(int))
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        *(int*)(control + 16) = fd;
        fixed (byte* p = payload)
        {
            var iov = new Libc.IoVec { Base = p, Length = (nuint)(payload.Length - 1) };
            var message = new Libc.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = controlSize };
            if (Libc.sendmsg(socket, &message, 0) < 0)
            {
                throw Sys.Error("send the pty master to the console socket");
            }
        }
    }
}
