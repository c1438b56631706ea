using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Builder;
using Platform.Runtime.Vmm.Devices.Legacy;
using static Platform.Runtime.Linux.Interop.LinuxConstants;

namespace Platform.Runtime.VmBackend;

/// <summary>
/// The host process of a microVM container, spawned by <see cref="VmLauncher"/> (the platform-runtime binary
/// with <see cref="Marker"/> set): it builds the VM from the <see cref="VmmPlan"/>, waits for the guest agent's
/// control connection, reports ready, then plays the container's process for the lifecycle: it blocks on
/// exec.fifo until `start`, forwards signals to the guest, writes the guest process's output to its own
/// stdout/stderr, and exits with that process's status.
/// </summary>
public static class VmmProcess
{
    /// <summary>The environment variable that marks a VMM process; its value is the sync socket's fd.</summary>
    public const string Marker = "_PLATFORM_VMM";

    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    /// <summary>False when this process is not a VMM process (run the CLI); otherwise completes with its exit code.</summary>
    public static bool IsVmm => Environment.GetEnvironmentVariable(Marker) is not null;

    public static async Task<int> RunAsync()
    {
        var sync = new InitChannel(InitFds.Sync);
        VmmPlan plan;
        try
        {
            var (type, payload) = sync.Receive();
            if (type != SyncMessageType.Plan)
            {
                throw new RuntimeException(RuntimeErrorKind.Internal, $"vmm: expected the plan, got {type}");
            }

            plan = JsonSerializer.Deserialize(payload, VmmPlanJsonContext.Default.VmmPlan) ?? throw new RuntimeException(RuntimeErrorKind.Internal, "vmm: empty plan");
        }
        catch (Exception e)
        {
            TrySend(sync, SyncMessageType.Error, ErrorReport.Encode(e));
            return 1;
        }

        var console = new BufferSerialSink(16 << 10);
        using var stop = new CancellationTokenSource();
        MicroVm? vm = null;
        Task<VmExit>? running = null;
        AgentChannel? agent = null;
        try
        {
            (vm, running, agent) = await BootAsync(plan, console, stop.Token);
        }
        catch (Exception e)
        {
            TrySend(sync, SyncMessageType.Error, ErrorReport.Encode(RuntimeException.KindOf(e), $"microVM {plan.Id}: {e.Message}{ConsoleTail(console)}"));
            stop.Cancel();
            if (running is not null)
            {
                await running.ConfigureAwait(false);
            }

            vm?.Dispose();
            return 1;
        }

        using (vm)
        using (agent)
        {
            // The kernel, the binary and the initramfs were read into managed arrays (tens of MiB) that now live
            // in guest memory: give them back to the host before the VM settles in for its life.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            TrySend(sync, SyncMessageType.Ready, "");
            Libc.close(InitFds.Sync);

            // Started: `start` opened exec.fifo for reading. A VM that ends first never started.
            var started = Task.Factory.StartNew(WaitForStart, TaskCreationOptions.LongRunning);
            if (await Task.WhenAny(started, running) != started || !await started)
            {
                stop.Cancel();
                await running;
                return 1;
            }

            using var signals = ForwardSignals(agent, stop.Token);
            await agent.SendAsync(AgentMessage.Start, ReadOnlyMemory<byte>.Empty, stop.Token);
            var status = await RelayUntilExitAsync(agent, console, Path.Combine(Path.GetDirectoryName(plan.VsockPath)!, VmLauncher.GuestOomKillsFile), stop.Token);
            // Closing tells the agent its last frame arrived: it reboots the guest then (HostCommands).
            agent.Dispose();
            // The agent powers the guest off after reporting; a guest that does not is stopped.
            if (await Task.WhenAny(running, Task.Delay(ShutdownGrace)) != running)
            {
                stop.Cancel();
            }

            await running;
            return status;
        }
    }

    private static async Task<(MicroVm, Task<VmExit>, AgentChannel)> BootAsync(VmmPlan plan, BufferSerialSink console, CancellationToken stop)
    {
        var controlPath = $"{plan.VsockPath}_{GuestPorts.Control}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        File.Delete(controlPath);
        listener.Bind(new UnixDomainSocketEndPoint(controlPath));
        listener.Listen(1);

        var resources = new VmResources
        {
            Kernel = await File.ReadAllBytesAsync(plan.Kernel, stop),
            Initrd = GuestInitramfs.Build(await File.ReadAllBytesAsync("/proc/self/exe", stop), plan.GuestConfig),
            Cmdline = $"{VmResources.DefaultCmdline} quiet{(plan.KernelParameters is { } extra ? " " + extra : "")}",
            MemoryMiB = plan.MemoryMiB,
            Vcpus = plan.Vcpus,
            Console = console,
            BlockDevices = [new BlockDeviceConfig(plan.RootDisk, ReadOnly: true, Id: "rootfs")],
            Vsock = new VsockResources { Cid = GuestPorts.GuestCid, UdsPath = plan.VsockPath },
        };
        var vm = VmBuilder.Build(resources);
        var running = vm.RunAsync(stop);
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
            bounded.CancelAfter(plan.BootTimeoutMs);
            var connection = await BeforeReadyAsync(listener.AcceptAsync(bounded.Token).AsTask(), vm, running, plan.BootTimeoutMs, stop);
            var agent = new AgentChannel(new NetworkStream(connection, ownsSocket: true));
            try
            {
                // The agent connects early in the guest's life: the boot may still end or stall before it says Ready.
                var ready = await BeforeReadyAsync(agent.ReceiveAsync(bounded.Token), vm, running, plan.BootTimeoutMs, stop);
                switch (ready)
                {
                    case { Type: AgentMessage.Ready }:
                        return (vm, running, agent);
                    case { Type: AgentMessage.Error } error:
                        throw ErrorReport.Decode(Encoding.UTF8.GetString(error.Payload), "in the guest: ");
                    default:
                        throw new RuntimeException(RuntimeErrorKind.HostFailure, "the guest agent closed its control channel before it was ready");
                }
            }
            catch
            {
                agent.Dispose();
                throw;
            }
        }
        catch
        {
            vm.Dispose();
            throw;
        }
        finally
        {
            File.Delete(controlPath);
        }
    }

    /// <summary>
    /// A step of the boot up to the agent's Ready, bounded by the boot timeout (its token) and by the guest's life:
    /// either ending first is said as such, never as a bare "operation was canceled". A guest that stalled is
    /// stopped, and where it stood (vCPUs, local APICs, virtqueues) goes into the error, to tell a lost
    /// notification or interrupt from a guest that is merely slow.
    /// </summary>
    private static async Task<T> BeforeReadyAsync<T>(Task<T> step, MicroVm vm, Task<VmExit> running, int timeoutMs, CancellationToken stop)
    {
        if (await Task.WhenAny(step, running) == running)
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"the guest ended before its agent was ready ({await running})");
        }
        try
        {
            return await step;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            vm.RequestExit(new VmExit(VmExitReason.Stopped, "the guest agent was not ready in time"));
            await running;
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"the guest agent was not ready within {timeoutMs / 1000} s; where the guest stood:\n{vm.DescribeStall()}");
        }
    }

    /// <summary>Blocks until `start` opens exec.fifo, exactly as a container init does; false if that failed.</summary>
    private static bool WaitForStart()
    {
        try
        {
            InitProcess.WaitForStart();
            return true;
        }
        catch (RuntimeException)
        {
            return false;
        }
    }

    /// <summary>Relays output frames to this process's stdout/stderr until the agent reports the exit status.</summary>
    private static async Task<int> RelayUntilExitAsync(AgentChannel agent, BufferSerialSink console, string oomKillsFile, CancellationToken cancellationToken)
    {
        using var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
        using var stderr = new FileStream(new SafeFileHandle(2, ownsHandle: false), FileAccess.Write, 1);
        while (true)
        {
            (AgentMessage Type, byte[] Payload)? frame;
            try
            {
                frame = await agent.ReceiveAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                await WriteQuietlyAsync(stderr, $"platform-runtime: microVM: {e.Message}\n");
                return 1;
            }
            switch (frame)
            {
                case null:
                    await WriteQuietlyAsync(stderr, $"platform-runtime: microVM: the guest agent went away without an exit status{ConsoleTail(console)}\n");
                    return 1;
                case { Type: AgentMessage.Stdout } output:
                    await WriteQuietlyAsync(stdout, output.Payload);
                    break;
                case { Type: AgentMessage.Stderr } output:
                    await WriteQuietlyAsync(stderr, output.Payload);
                    break;
                case { Type: AgentMessage.OomKills, Payload.Length: 4 } oom when AgentChannel.ReadInt32(oom.Payload) is var kills and >= 0:
                    // Beside the container's state, where the runtime's stats add it to the host cgroup's count.
                    await File.WriteAllTextAsync(oomKillsFile + ".tmp", kills.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                    File.Move(oomKillsFile + ".tmp", oomKillsFile, overwrite: true);
                    break;
                case { Type: AgentMessage.Exit } exit:
                    return AgentChannel.ReadInt32(exit.Payload) is var status and >= 0 and < 256 ? status : 1;
                case { Type: AgentMessage.Error } error:
                    await WriteQuietlyAsync(stderr, $"platform-runtime: microVM: {ErrorReport.Decode(Encoding.UTF8.GetString(error.Payload)).Message}\n");
                    return 1;
                default:
                    await WriteQuietlyAsync(stderr, $"platform-runtime: microVM: unexpected {frame.Value.Type} from the guest agent\n");
                    return 1;
            }
        }
    }

    /// <summary>Output nobody reads (a closed pipe) must not stop the container.</summary>
    private static async Task WriteQuietlyAsync(Stream stream, byte[] data)
    {
        try
        {
            await stream.WriteAsync(data);
        }
        catch (IOException)
        {
        }
    }

    private static Task WriteQuietlyAsync(Stream stream, string text) => WriteQuietlyAsync(stream, Encoding.UTF8.GetBytes(text));

    /// <summary>The signals a container process can be sent and survive as a VMM (SIGKILL and SIGSTOP end or stop the VMM itself).</summary>
    private static Registrations ForwardSignals(AgentChannel agent, CancellationToken cancellationToken)
    {
        int[] forwarded = [1, 2, 3, 10, 12, 15];
        var registrations = forwarded.Select(signal => PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            context.Cancel = true;
            _ = agent.SendAsync(AgentMessage.Signal, signal, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default);
        })).ToList();
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<PosixSignalRegistration> registrations) : IDisposable
    {
        public void Dispose() => registrations.ForEach(r => r.Dispose());
    }

    private static void TrySend(InitChannel sync, SyncMessageType type, string text)
    {
        try
        {
            sync.Send(type, text);
        }
        catch (RuntimeException)
        {
            // The launcher is gone; nobody is left to tell.
        }
    }

    private static string ConsoleTail(BufferSerialSink console)
    {
        var text = console.Text.Trim();
        return text.Length == 0 ? "" : $"; guest console:\n{(text.Length > 4000 ? text[^4000..] : text)}";
    }
}
