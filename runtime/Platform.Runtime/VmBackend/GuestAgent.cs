using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// PID 1 of a microVM container's guest: the platform-runtime binary as /init of the initramfs the host built
/// (<see cref="GuestInitramfs"/>). It mounts the root disk (read-only, under a tmpfs overlay when the root is
/// writable), creates the OCI container with this runtime's own Linux backend inside the guest (namespaces,
/// cgroups, seccomp: defence in depth), reports ready over the vsock control channel, starts the process when
/// the host says so, streams its output, forwards vsock connections on the function's port to its
/// 127.0.0.1:PORT, reports the exit status and reboots (which ends the VM: reboot=k goes through the i8042).
/// </summary>
public static partial class GuestAgent
{
    /// <summary>The guest's config.json, placed in the initramfs by the host.</summary>
    public const string ConfigPath = "/platform/config.json";

    private const string Bundle = "/run/bundle";
    private const string ContainerId = "guest";

    /// <summary>How long the agent waits, after its last word, for the host to close the channel before it reboots.</summary>
    private static readonly TimeSpan HostCloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Whether this process is the guest agent: PID 1 with the guest's config beside it.</summary>
    public static bool IsGuestAgent => Environment.ProcessId == 1 && File.Exists(ConfigPath);

    public static async Task<int> RunAsync()
    {
        AgentChannel? control = null;
        HostCommands? commands = null;
        try
        {
            LeaveInitramfs();
            MountBasics();
            control = new AgentChannel(VsockStream.Connect(GuestPorts.HostCid, GuestPorts.Control));
            commands = new HostCommands(control) { ContainerId = ContainerId };
            await ServeAsync(control, commands);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"platform-runtime guest agent: {e.Message}");
            if (control is not null)
            {
                await TrySendErrorAsync(control, e);
            }
        }
        if (commands is not null)
        {
            await Task.WhenAny(commands.Closed, Task.Delay(HostCloseTimeout));
        }

        control?.Dispose();
        sync();
        reboot(RB_AUTOBOOT);
        return 1;
    }

    private static async Task ServeAsync(AgentChannel control, HostCommands commands)
    {
        var config = await File.ReadAllBytesAsync(ConfigPath);
        var spec = Validation.SpecLoader.Parse(config);
        MountRootfs(spec.Root?.Readonly == true);
        await File.WriteAllBytesAsync(Path.Combine(Bundle, "config.json"), config);

        var runtime = new ContainerRuntime(new RuntimeOptions { Root = "/run/platform-runtime", InitBinary = "/init" });
        var (stdoutRead, stdoutWrite) = Pipe();
        var (stderrRead, stderrWrite) = Pipe();
        // The write ends go to the container only: the pumps see end-of-file once its processes are gone.
        using (stdoutWrite)
        using (stderrWrite)
        {
            await runtime.CreateAsync(ContainerId, Bundle, new CreateOptions { Stdout = stdoutWrite, Stderr = stderrWrite });
        }

        commands.Runtime = runtime;
        StartForwarding(GuestConfig.HttpPort(spec));
        await control.SendAsync(AgentMessage.Ready, ReadOnlyMemory<byte>.Empty, CancellationToken.None);

        await commands.Started;
        await runtime.StartAsync(ContainerId);
        var pumps = Task.WhenAll(PumpAsync(stdoutRead, AgentMessage.Stdout, control), PumpAsync(stderrRead, AgentMessage.Stderr, control));
        using var exited = new CancellationTokenSource();
        var oomKills = WatchOomKillsAsync(runtime, control, exited.Token);
        var status = await runtime.WaitAsync(ContainerId);
        await exited.CancelAsync();
        await oomKills;
        await pumps;
        await control.SendAsync(AgentMessage.Exit, status, CancellationToken.None);
    }

    /// <summary>
    /// The initramfs is the kernel's rootfs, which pivot_root cannot move, and the container init pivots. So, as
    /// switch_root does, the agent's files move to a tmpfs that then replaces / (MS_MOVE, chroot); the initramfs
    /// copies are unlinked to give their memory back.
    /// </summary>
    private static void LeaveInitramfs()
    {
        Mount("tmpfs", "/newroot", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
        Directory.CreateDirectory("/newroot/platform");
        File.Copy("/init", "/newroot/init"); // keeps its mode
        File.Copy(ConfigPath, "/newroot" + ConfigPath);
        File.Delete("/init");
        File.Delete(ConfigPath);
        foreach (var dir in new[] { "dev", "proc", "sys", "run", "tmp" })
        {
            Directory.CreateDirectory("/newroot/" + dir);
        }

        Sys.Check(Libc.chdir("/newroot"), "chdir /newroot");
        Sys.Check(Libc.mount(".", "/", null, MS_MOVE, null), "move the agent's root onto /");
        Sys.Check(Libc.chroot("."), "chroot into the agent's root");
        Sys.Check(Libc.chdir("/"), "chdir /");
    }

    private static void MountBasics()
    {
        Mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        Mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        Mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
        Mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
        Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        Loopback.Up();
    }

    /// <summary>The root disk at /run/bundle/rootfs: as it is when read-only, else under a tmpfs overlay.</summary>
    private static void MountRootfs(bool readOnly)
    {
        var rootfs = Path.Combine(Bundle, GuestConfig.RootfsPath);
        Directory.CreateDirectory(rootfs);
        if (readOnly)
        {
            Mount("/dev/vda", rootfs, "ext4", MS_RDONLY);
            return;
        }
        Directory.CreateDirectory("/run/lower");
        Directory.CreateDirectory("/run/upper");
        Mount("/dev/vda", "/run/lower", "ext4", MS_RDONLY);
        Mount("tmpfs", "/run/upper", "tmpfs", 0, "mode=0755");
        Directory.CreateDirectory("/run/upper/data");
        Directory.CreateDirectory("/run/upper/work");
        Mount("overlay", rootfs, "overlay", 0, "lowerdir=/run/lower,upperdir=/run/upper/data,workdir=/run/upper/work");
    }

    /// <summary>Every vsock connection to the function's port is relayed to its 127.0.0.1:port in the guest.</summary>
    private static void StartForwarding(uint port)
    {
        var listener = VsockStream.Listen(port);
        new Thread(() =>
        {
            while (true)
            {
                var vsock = VsockStream.Accept(listener);
                _ = RelayAsync(vsock, port);
            }
        }) { IsBackground = true, Name = "vsock-forward" }.Start();
    }

    private static async Task RelayAsync(VsockStream vsock, uint port)
    {
        using (vsock)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await tcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, (int)port));
            }
            catch (SocketException)
            {
                return;
            }
            using var stream = new NetworkStream(tcp, ownsSocket: false);
            // Each direction passes its end-of-stream on as a half close, so an HTTP/1.0 answer followed by the
            // function's close reaches the host as end of stream while the host may still be sending.
            var up = CopyThenAsync(vsock, stream, () => tcp.Shutdown(SocketShutdown.Send));
            var down = CopyThenAsync(stream, vsock, vsock.ShutdownWrite);
            await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    private static async Task CopyThenAsync(Stream from, Stream to, Action shutdown)
    {
        await from.CopyToAsync(to);
        shutdown();
    }

    private static readonly TimeSpan OomCheckInterval = TimeSpan.FromMilliseconds(500);

    // The guest kernel kills inside the VM, where the host's cgroups cannot see it: the container's cgroup counts
    // its OOM kills (memory.events), and the host hears each new count, the last one before the exit status.
    // A count that cannot be read is not reported; the exit status still is.
    private static async Task WatchOomKillsAsync(ContainerRuntime runtime, AgentChannel control, CancellationToken exited)
    {
        ulong reported = 0;
        async Task ReportNewKillsAsync()
        {
            var kills = (await runtime.GetStatsAsync(ContainerId, CancellationToken.None)).OomKills;
            if (kills > reported)
            {
                reported = kills;
                await control.SendAsync(AgentMessage.OomKills, (int)Math.Min(kills, int.MaxValue), CancellationToken.None);
            }
        }

        try
        {
            using var timer = new PeriodicTimer(OomCheckInterval);
            while (true)
            {
                await ReportNewKillsAsync();
                await timer.WaitForNextTickAsync(exited);
            }
        }
        catch (OperationCanceledException)
        {
            // The process ended: a last read, so a kill that ended it arrives before its exit status.
            try
            {
                await ReportNewKillsAsync();
            }
            catch (Exception e) when (e is RuntimeException or IOException)
            {
                // Unreadable at the end: the exit status goes alone.
            }
        }
        catch (Exception e) when (e is RuntimeException or IOException)
        {
            // Unreadable (no memory controller in the guest, say): nothing more to report.
        }
    }

    private static async Task PumpAsync(SafeFileHandle pipe, AgentMessage type, AgentChannel control)
    {
        using var stream = new FileStream(pipe, FileAccess.Read, 1);
        var buffer = new byte[16 << 10];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            await control.SendAsync(type, buffer.AsMemory(0, n), CancellationToken.None);
        }
    }

    private static async Task TrySendErrorAsync(AgentChannel control, Exception error)
    {
        try
        {
            await control.SendAsync(AgentMessage.Error, Encoding.UTF8.GetBytes(ErrorReport.Encode(error)), CancellationToken.None);
        }
        catch (IOException)
        {
        }
    }

    private static unsafe (SafeFileHandle Read, SafeFileHandle Write) Pipe()
    {
        var fds = stackalloc int[2];
        Sys.Check(Libc.pipe2(fds, O_CLOEXEC), "pipe");
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    private static void Mount(string source, string target, string type, ulong flags, string? data = null)
    {
        Directory.CreateDirectory(target);
        Sys.Check(Libc.mount(source, target, type, flags, data), $"mount {type} on {target}");
    }

    private const int RB_AUTOBOOT = 0x01234567;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int reboot(int command);

    [LibraryImport("libc")]
    private static partial void sync();
}
