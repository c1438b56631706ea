using Platform.Runtime.Linux;
using Platform.Runtime.State;
using Platform.Runtime.Syscalls;
using Platform.Runtime.Validation;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    public async Task<ContainerState> CreateAsync(string id, string bundlePath, CreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Everything that can be checked is checked before the first byte is written, so bad input leaves nothing behind.
        ContainerId.Validate(id);
        var bundle = SpecLoader.ResolveBundle(bundlePath);
        var spec = SpecLoader.Load(bundle);
        options.Customize?.Invoke(spec);
        var rootfs = SpecValidator.Validate(spec, bundle);
        VmSpec.Resolved? vm = null;
        if (spec.Vm is not null)
        {
            vm = VmSpec.Validate(spec, bundle);
            VmSpec.ConfineHostCgroup(spec);
        }
        else
        {
            // In a VM the guest agent grants them inside the guest, where it holds every capability.
            var newUserNs = spec.Linux?.Namespaces?.Any(n => n?.Type == "user" && string.IsNullOrEmpty(n.Path)) ?? false;
            HeldCapabilities.LeaveOutUnheld(spec, HeldCapabilities.Read(newUserNs), Warn);
        }
        if (spec.Process!.Terminal && options.ConsoleSocket is null)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "process.terminal: a terminal container needs --console-socket");
        }

        var cgroupPath = _cgroups.ResolvePath(id, spec.Linux);
        // The folder appears already locked: from here to the end of the cleanup nobody else touches it.
        using var held = _store.TryCreate(id) ?? throw new RuntimeException(RuntimeErrorKind.ContainerExists, $"container \"{id}\" already exists");

        var state = new StateFile
        {
            OciVersion = spec.OciVersion!,
            Id = id,
            Bundle = bundle,
            Rootfs = rootfs,
            Phase = StateFile.PhaseCreating,
            Created = _time.GetUtcNow(),
            Annotations = spec.Annotations,
            CgroupPath = cgroupPath,
            Hooks = spec.Hooks,
        };
        ICgroupHandle? cgroup = null;
        var pidFileWritten = false;
        // Without a mount namespace of its own (none listed: the host's is inherited) the container's mounts
        // land on the host; what the mount table gains under the rootfs is recorded, so delete can remove it.
        var mountsBefore = vm is null && spec.Mounts is { Count: > 0 } && !(spec.Linux?.Namespaces?.Any(n => n?.Type == "mount") ?? false)
            ? _syscalls.ReadMounts()
            : null;
        // The mount table names mount points by their real path, symlinks resolved.
        var realRootfs = mountsBefore is null ? rootfs : SpecValidator.RealPath(rootfs) ?? rootfs;
        try
        {
            _store.Write(state);
            _syscalls.MakeFifo(_store.ExecFifoOf(id));
            EnsureSubreaper();

            var launcher = vm is null ? _launcher.Value : _vmLauncher.Value;
            var launched = await launcher.LaunchAsync(new LaunchRequest
            {
                Id = id,
                Spec = spec,
                BundlePath = bundle,
                RootfsPath = rootfs,
                StateDir = _store.DirectoryOf(id),
                Stdin = options.Stdin,
                Stdout = options.Stdout,
                Stderr = options.Stderr,
                ConsoleSocket = options.ConsoleSocket,
                Vm = vm,
                // Made while the init starts (its path is in state.json already, for delete --force).
                OnSpawned = () => cgroup = _cgroups.Create(id, spec.Linux),
                OnNamespacesCreated = async (pid, ct) =>
                {
                    cgroup!.Apply(pid);
                    // prestart is deprecated but still honoured; it runs where createRuntime does, first (runc's order).
                    // Their state says "created", as crun reads runtime.md: the container exists from the hooks' view.
                    var created = StateFor(state with { Pid = pid }, ContainerStatus.Created);
                    await _hooks.RunAsync("prestart", spec.Hooks?.Prestart, created, ct);
                    await _hooks.RunAsync("createRuntime", spec.Hooks?.CreateRuntime, created, ct);
                },
            }, cancellationToken);

            var stat = _syscalls.ReadProcessStat(launched.Pid);
            if (stat is null || stat.HasExited)
            {
                throw new RuntimeException(RuntimeErrorKind.HostFailure, "the container's init exited during create");
            }

            state = state with
            {
                Phase = StateFile.PhaseCreated,
                Pid = launched.Pid,
                PidStartTime = stat.StartTime,
                HostMounts = mountsBefore is null ? null : MountTable.AddedUnder(mountsBefore, _syscalls.ReadMounts(), realRootfs),
            };
            _store.Write(state);
            if (options.PidFile is { } pidFile)
            {
                WritePidFile(pidFile, launched.Pid);
                pidFileWritten = true;
            }
            return StateFor(state, ContainerStatus.Created);
        }
        catch (Exception e)
        {
            var cleanupError = await CleanUpFailedCreateAsync(state, cgroup, pidFileWritten ? options.PidFile : null, mountsBefore, realRootfs);
            if (cleanupError is not null)
            {
                throw new RuntimeException(RuntimeException.KindOf(e),
                    $"create {id}: {e.Message}; cleaning up failed too ({cleanupError.Message}), so its state is kept: `delete --force {id}` retries", e);
            }
            if (e is RuntimeException or OperationCanceledException)
            {
                throw;
            }

            throw new RuntimeException(RuntimeException.KindOf(e), $"create {id}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Undoes a failed create under the container's lock. The state folder goes only once the processes and the
    /// cgroup are gone: if they cannot be removed, it stays (with the cgroup path) so delete --force can retry,
    /// and the error is returned instead of leaking a process or cgroup nobody could find again.
    /// </summary>
    private async Task<Exception?> CleanUpFailedCreateAsync(StateFile state, ICgroupHandle? cgroup, string? pidFile, IReadOnlyList<HostMount>? mountsBefore, string realRootfs)
    {
        if (pidFile is not null)
        {
            File.Delete(pidFile);
        }

        try
        {
            await KillEverythingAsync(state.Phase == StateFile.PhaseCreated ? state : null, cgroup);
            // The init may have failed halfway through the mounts: whatever it made on the host goes.
            if (mountsBefore is not null)
            {
                UnmountHostMounts(MountTable.AddedUnder(mountsBefore, _syscalls.ReadMounts(), realRootfs));
            }

            cgroup?.Destroy();
        }
        catch (Exception e) when (e is RuntimeException or IOException or UnauthorizedAccessException)
        {
            return e;
        }
        _store.Remove(state.Id);
        PruneRootDisks();
        return null;
    }

    /// <summary>runc's --pid-file: the PID alone, replaced atomically so a shim polling it never reads a partial number.</summary>
    private static void WritePidFile(string path, int pid)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(temp, full, overwrite: true);
    }
}
