using System.Text;
using System.Text.Json;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Interop;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// Creates a microVM container: builds (or finds) its root disk, spawns the VMM process (the platform-runtime
/// binary with <see cref="VmmProcess.Marker"/>), lets the lifecycle attach the cgroup and run its hooks before
/// the VMM allocates guest memory, sends the <see cref="VmmPlan"/> and waits until the guest agent has the
/// container created inside the VM. From then on the VMM process is the container's process for the
/// lifecycle: it blocks on exec.fifo like a container init, takes the signals and exits with the status of
/// the process in the guest. On any failure the VMM is killed before the error is thrown.
/// </summary>
internal sealed class VmLauncher(string binary, RootDisk disks, bool blockingWaits = false) : IContainerLauncher
{
    /// <summary>In the state folder: the digest of the cached root disk this container uses (for pruning).</summary>
    public const string DiskFile = "disk";

    /// <summary>In the state folder: the VM's vsock unix socket.</summary>
    public const string VsockFile = "v.sock";
    /// <summary>The guest kernel's OOM kills in the container so far, written by the VMM process as the guest agent reports them.</summary>
    public const string GuestOomKillsFile = "guest-oom-kills";

    public static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(60);

    public async Task<LaunchedContainer> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        var vm = request.Vm ?? throw new InvalidOperationException("not a microVM container");
        if (!File.Exists(binary))
        {
            throw new RuntimeException(RuntimeErrorKind.Internal, $"VMM binary {binary} does not exist (build it: dotnet publish runtime/Platform.Runtime.Cli -c Release -o artifacts/bin)");
        }

        string disk;
        if (vm.Image is { } image)
        {
            disk = image;
        }
        else
        {
            var digest = RootDisk.Digest(request.RootfsPath);
            await File.WriteAllTextAsync(Path.Combine(request.StateDir, DiskFile), digest.Value, cancellationToken);
            disk = disks.Ensure(request.RootfsPath, digest);
        }
        var plan = new VmmPlan
        {
            Id = request.Id,
            Kernel = vm.Kernel,
            KernelParameters = vm.KernelParameters,
            RootDisk = disk,
            GuestConfig = vm.GuestConfig,
            MemoryMiB = vm.MemoryMiB,
            Vcpus = vm.Vcpus,
            VsockPath = Path.Combine(request.StateDir, VsockFile),
            BootTimeoutMs = (int)BootTimeout.TotalMilliseconds,
        };

        using var fifo = LinuxLauncher.OpenFd(Path.Combine(request.StateDir, State.StateStore.ExecFifoName), O_PATH | O_CLOEXEC);
        using var devNull = LinuxLauncher.OpenFd("/dev/null", O_RDWR | O_CLOEXEC);
        var (hostEnd, vmmEnd) = LinuxLauncher.SocketPair();
        int pid;
        try
        {
            int[] fds =
            [
                LinuxLauncher.Fd(request.Stdin, devNull), LinuxLauncher.Fd(request.Stdout, devNull), LinuxLauncher.Fd(request.Stderr, devNull),
                vmmEnd, fifo.Fd,
            ];
            pid = ProcessSpawner.Spawn(binary, [binary, "vmm"], [$"{VmmProcess.Marker}={InitFds.Sync}"], fds);
        }
        catch
        {
            Libc.close(hostEnd);
            throw;
        }
        finally
        {
            Libc.close(vmmEnd);
        }

        using var sync = new HostSyncChannel(hostEnd, blockingWaits);
        try
        {
            request.OnSpawned?.Invoke();
            await request.OnNamespacesCreated(pid, cancellationToken);
            await sync.SendAsync(SyncMessageType.Plan, JsonSerializer.SerializeToUtf8Bytes(plan, VmmPlanJsonContext.Default.VmmPlan), cancellationToken);
            var message = await sync.ReceiveAsync(cancellationToken)
                ?? throw new RuntimeException(RuntimeErrorKind.HostFailure, "the VMM exited before the microVM was ready");
            if (message.Type == SyncMessageType.Error)
            {
                throw ErrorReport.Decode(Encoding.UTF8.GetString(message.Payload));
            }

            if (message.Type != SyncMessageType.Ready)
            {
                throw new RuntimeException(RuntimeErrorKind.Internal, $"the VMM sent {message.Type} where Ready was expected");
            }

            return new LaunchedContainer(pid);
        }
        catch
        {
            await LinuxLauncher.KillAsync(pid);
            throw;
        }
    }
}
