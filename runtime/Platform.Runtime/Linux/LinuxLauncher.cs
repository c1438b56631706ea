using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Seccomp;
using Platform.Runtime.Spec;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.Linux;

/// <summary>
/// Creates a Linux container process: spawns the init binary (the NativeAOT CLI, whose C stage makes the
/// namespaces), writes its id maps, lets the lifecycle attach the cgroup, sends the plan and waits until the
/// init blocks on exec.fifo. On any failure the init and everything it started is killed before the error
/// is thrown, so nothing is left behind.
/// </summary>
/// <param name="initBinary">The platform-runtime binary (RuntimeOptions.InitBinary).</param>
/// <param name="blockingWaits">See <see cref="RuntimeOptions.BlockingWaits"/>.</param>
internal sealed class LinuxLauncher(string initBinary, bool blockingWaits = false) : IContainerLauncher
{
    /// <summary>How long a SIGKILLed init may take to go (a process in uninterruptible sleep dies late).</summary>
    private const int KillTimeoutMs = 30_000;

    public async Task<LaunchedContainer> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        var spec = request.Spec;
        var namespaces = NamespaceSet.From(spec);
        var terminal = spec.Process?.Terminal == true;
        if (terminal && request.ConsoleSocket is null)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "process.terminal: a terminal container needs a console socket (--console-socket)");
        }

        var seccomp = CompileSeccomp(spec.Linux?.Seccomp);
        if (!File.Exists(initBinary))
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"container init binary {initBinary} does not exist (build it: dotnet publish runtime/Platform.Runtime.Cli -c Release -o artifacts/bin)");
        }

        using var fifo = OpenFd(Path.Combine(request.StateDir, State.StateStore.ExecFifoName), O_PATH | O_CLOEXEC);
        using var console = terminal ? ConnectConsoleSocket(request.ConsoleSocket!) : null;
        using var devNull = OpenFd("/dev/null", O_RDWR | O_CLOEXEC);

        var (hostEnd, initEnd) = SocketPair();
        int stage0;
        try
        {
            var fds = new List<int>
            {
                Fd(request.Stdin, devNull), Fd(request.Stdout, devNull), Fd(request.Stderr, devNull),
                initEnd, fifo.Fd,
            };
            if (console is not null)
            {
                fds.Add((int)console.Handle);
            }

            stage0 = ProcessSpawner.Spawn(initBinary, [initBinary, "init"], [$"{InitFds.Marker}={InitFds.Sync}"], fds.ToArray());
        }
        catch
        {
            Libc.close(hostEnd);
            throw;
        }
        finally
        {
            Libc.close(initEnd);
        }

        using var sync = new HostSyncChannel(hostEnd, blockingWaits);
        var pid = 0;
        var stage0Reaped = false;
        try
        {
            await sync.SendAsync(SyncMessageType.Bootstrap, namespaces.EncodeBootstrap(), cancellationToken);
            // The init execs and makes its namespaces meanwhile.
            try
            {
                request.OnSpawned?.Invoke();
            }
            catch
            {
                pid = await PidIfForkedAsync(sync);
                throw;
            }
            var message = await ReceiveAsync(sync, cancellationToken);
            if (message.Type == SyncMessageType.UserNamespace)
            {
                WriteIdMaps(stage0, spec.Linux);
                await sync.SendAsync(SyncMessageType.MapsDone, default, cancellationToken);
                message = await ReceiveAsync(sync, cancellationToken);
            }
            Expect(message, SyncMessageType.Pid);
            pid = BinaryPrimitives.ReadInt32LittleEndian(message.Payload);
            // The intermediate exits as soon as it has reported the PID.
            ProcessSpawner.Wait(stage0);
            stage0Reaped = true;

            await request.OnNamespacesCreated(pid, cancellationToken);

            var plan = new InitPlan
            {
                Id = request.Id,
                Bundle = request.BundlePath,
                Rootfs = request.RootfsPath,
                Spec = spec,
                ConsoleSocket = console is not null,
                CgroupSources = HasCgroupMount(spec) ? CgroupMountSources.Read(pid) : null,
                Seccomp = seccomp,
            };
            await sync.SendAsync(SyncMessageType.Plan, InitPlanCodec.Encode(plan), cancellationToken);
            Expect(await ReceiveAsync(sync, cancellationToken), SyncMessageType.Ready);
            return new LaunchedContainer(pid);
        }
        catch
        {
            // The intermediate first: once it is reaped the container process is surely reparented to us (as a
            // subreaper) or to init, so KillAsync can reap it rather than leave a zombie behind.
            if (!stage0Reaped)
            {
                Libc.kill(stage0, SIGKILL);
                ProcessSpawner.Wait(stage0);
            }
            await KillAsync(pid);
            throw;
        }
    }

    /// <summary>
    /// After a failure while the C stage runs: the PID of the container process if it has already been forked
    /// (so the cleanup kills it rather than leave it orphaned), else 0 (a stage waiting for its id maps forks
    /// nothing and dies with the intermediate).
    /// </summary>
    private static async Task<int> PidIfForkedAsync(HostSyncChannel sync)
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await sync.ReceiveAsync(bounded.Token) is { Type: SyncMessageType.Pid } message ? BinaryPrimitives.ReadInt32LittleEndian(message.Payload) : 0;
        }
        catch (Exception e) when (e is RuntimeException or OperationCanceledException)
        {
            return 0;
        }
    }

    private static async Task<(SyncMessageType Type, byte[] Payload)> ReceiveAsync(HostSyncChannel sync, CancellationToken cancellationToken)
    {
        var message = await sync.ReceiveAsync(cancellationToken)
            ?? throw new RuntimeException(RuntimeErrorKind.HostFailure, "container init exited before the container was created");
        if (message.Type == SyncMessageType.Error)
        {
            throw ErrorReport.Decode(Encoding.UTF8.GetString(message.Payload));
        }

        return message;
    }

    private static void Expect((SyncMessageType Type, byte[] Payload) message, SyncMessageType expected)
    {
        if (message.Type != expected)
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"container init sent {message.Type} where {expected} was expected (is the init binary built from this version, with its native stage?)");
        }
    }

    /// <summary>Compiled here rather than in the init: a bad filter fails create before any process exists.</summary>
    private static SeccompProgram? CompileSeccomp(Spec.Seccomp? filter)
    {
        if (filter is null)
        {
            return null;
        }

        var program = SeccompCompiler.Compile(filter);
        // The listener would have to travel back to the host before pivot_root; refuse rather than drop it.
        if (program.Flags.HasFlag(SeccompFilterFlags.NewListener))
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY is not supported by this runtime");
        }

        return program;
    }

    private static bool HasCgroupMount(RuntimeSpec spec) =>
        spec.Mounts?.Any(m => m.Type is "cgroup" or "cgroup2") == true;

    /// <summary>Writes uid_map and gid_map of the new user namespace; the host is root in the parent namespace.</summary>
    private static void WriteIdMaps(int pid, Spec.Linux? linux)
    {
        if (linux?.UidMappings is not { Count: > 0 } uids || linux.GidMappings is not { Count: > 0 } gids)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, "linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
        }

        WriteMap($"/proc/{pid}/uid_map", uids, "linux.uidMappings");
        WriteMap($"/proc/{pid}/gid_map", gids, "linux.gidMappings");
    }

    private static unsafe void WriteMap(string path, List<IdMapping> mappings, string jsonPath)
    {
        var text = Encoding.ASCII.GetBytes(string.Concat(mappings.Select(m => $"{m.ContainerId} {m.HostId} {m.Size}\n")));
        using var file = OpenFd(path, O_WRONLY | O_CLOEXEC);
        // One write: the kernel accepts a map only once and only whole.
        fixed (byte* p = text)
        {
            if (Libc.write(file.Fd, p, text.Length) != text.Length)
            {
                throw new RuntimeException(Sys.KindOf(Libc.Errno), $"{jsonPath}: the kernel refused the mapping: {Libc.ErrorText(Libc.Errno)}");
            }
        }
    }

    /// <summary>SIGKILLs the container's first process (its PID namespace dies with it) and waits until it is gone.</summary>
    internal static async Task KillAsync(int pid)
    {
        if (pid <= 0)
        {
            return;
        }

        var pidfd = Libc.PidfdOpen(pid);
        Libc.kill(pid, SIGKILL);
        if (pidfd < 0)
        {
            return;
        }

        try
        {
            // Not our child (the intermediate exited): its pidfd becomes readable when it has exited.
            await Task.Run(() => WaitForExit(pidfd, KillTimeoutMs));
        }
        finally
        {
            Libc.close(pidfd);
        }
        ReapIfChild(pid);
    }

    private static unsafe void WaitForExit(int pidfd, int timeoutMs)
    {
        var poll = new Libc.PollFd { Fd = pidfd, Events = POLLIN };
        while (Libc.poll(&poll, 1, timeoutMs) < 0 && Libc.Errno == EINTR)
        {
        }
    }

    /// <summary>If this process is a child subreaper, the container became our child: reap it.</summary>
    private static unsafe void ReapIfChild(int pid)
    {
        int status;
        Libc.waitpid(pid, &status, WNOHANG);
    }

    internal static int Fd(Microsoft.Win32.SafeHandles.SafeFileHandle? handle, FdHandle fallback) =>
        handle is null ? fallback.Fd : (int)handle.DangerousGetHandle();

    internal static FdHandle OpenFd(string path, int flags)
    {
        var fd = Libc.open(path, flags, 0);
        if (fd < 0)
        {
            throw new RuntimeException(Sys.KindOf(Libc.Errno), $"open {path}: {Libc.ErrorText(Libc.Errno)}");
        }

        return new FdHandle(fd);
    }

    private static Socket ConnectConsoleSocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"console socket {path}: {e.Message}", e);
        }
    }

    internal static unsafe (int Host, int Init) SocketPair()
    {
        var fds = stackalloc int[2];
        if (Libc.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
        {
            throw new RuntimeException(Sys.KindOf(Libc.Errno), $"socketpair: {Libc.ErrorText(Libc.Errno)}");
        }

        return (fds[0], fds[1]);
    }
}
