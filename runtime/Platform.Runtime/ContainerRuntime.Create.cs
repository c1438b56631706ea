using Platform.Runtime.Linux;
using Platform.Runtime.State;
using Platform.Runtime.Validation;

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
        if (spec.Process!.Terminal && options.ConsoleSocket is null)
            throw new RuntimeException("process.terminal: a terminal container needs --console-socket");
        if (!_store.TryCreate(id))
            throw new RuntimeException($"container \"{id}\" already exists");

        var state = new StateFile
        {
            OciVersion = spec.OciVersion!,
            Id = id,
            Bundle = bundle,
            Rootfs = rootfs,
            Phase = StateFile.PhaseCreating,
            Created = _time.GetUtcNow(),
            Annotations = spec.Annotations,
            Hooks = spec.Hooks,
        };
        ICgroupHandle? cgroup = null;
        var pidFileWritten = false;
        try
        {
            using var _ = _store.Lock(id);
            _store.Write(state);
            _syscalls.MakeFifo(_store.ExecFifoOf(id));
            EnsureSubreaper();
            cgroup = _cgroups.Create(id, spec.Linux);
            state = state with { CgroupPath = cgroup.Path };
            _store.Write(state);

            var launched = await _launcher.Value.LaunchAsync(new LaunchRequest
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
                OnNamespacesCreated = async (pid, ct) =>
                {
                    cgroup.Apply(pid);
                    // prestart is deprecated but still honoured; it runs where createRuntime does, first (runc's order).
                    var creating = StateFor(state with { Pid = pid }, ContainerStatus.Creating);
                    await _hooks.RunAsync("prestart", spec.Hooks?.Prestart, creating, ct);
                    await _hooks.RunAsync("createRuntime", spec.Hooks?.CreateRuntime, creating, ct);
                },
            }, cancellationToken);

            var stat = _syscalls.ReadProcessStat(launched.Pid);
            if (stat is null || stat.HasExited)
                throw new RuntimeException("the container's init exited during create");
            state = state with { Phase = StateFile.PhaseCreated, Pid = launched.Pid, PidStartTime = stat.StartTime };
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
            await CleanUpFailedCreateAsync(state, cgroup, pidFileWritten ? options.PidFile : null);
            if (e is RuntimeException or OperationCanceledException)
                throw;
            throw new RuntimeException($"create {id}: {e.Message}", e);
        }
    }

    private async Task CleanUpFailedCreateAsync(StateFile state, ICgroupHandle? cgroup, string? pidFile)
    {
        try
        {
            await KillEverythingAsync(state.Phase == StateFile.PhaseCreated ? state : null, cgroup);
            cgroup?.Destroy();
        }
        finally
        {
            _store.Remove(state.Id);
            if (pidFile is not null)
                File.Delete(pidFile);
        }
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
