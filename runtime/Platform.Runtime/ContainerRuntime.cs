using System.Collections.Concurrent;
using Platform.Runtime.Hooks;
using Platform.Runtime.Linux;
using Platform.Runtime.Linux.Interop;
using Platform.Runtime.State;
using Platform.Runtime.Syscalls;
using Platform.Runtime.Validation;
using Platform.Runtime.VmBackend;

namespace Platform.Runtime;

/// <summary>
/// The OCI lifecycle (runtime.md) over a state directory: what the CLI commands call and what the node agent
/// uses in-process. Each operation lives in its own partial file (ContainerRuntime.Create.cs, ...), like youki's
/// container_{create,start,kill,delete}.rs. Operations on one container are serialized by a flock on its
/// folder, so separate CLI processes and threads may race freely.
/// </summary>
public sealed partial class ContainerRuntime : IContainerRuntime
{
    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(10);

    private readonly RuntimeOptions _options;
    private readonly ISyscalls _syscalls;
    private readonly IHookRunner _hooks;
    private readonly Lazy<IContainerLauncher> _launcher;
    private readonly Lazy<IContainerLauncher> _vmLauncher;
    private readonly RootDisk _rootDisks;
    private readonly ICgroupProvider _cgroups;
    private readonly StateStore _store;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(int Pid, ulong StartTime), int> _exitStatuses = new();
    private int _subreaper;

    public ContainerRuntime(RuntimeOptions options)
        : this(options, LinuxSyscalls.Instance, new HookRunner(), () => new LinuxLauncher(options.ResolveInitBinary(), options.BlockingWaits), new HostCgroupProvider(), TimeProvider.System)
    {
    }

    internal ContainerRuntime(RuntimeOptions options, ISyscalls syscalls, IHookRunner hooks, Func<IContainerLauncher> launcher, ICgroupProvider cgroups, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, "root: the state directory path must not be empty");
        }

        _options = options;
        _syscalls = syscalls;
        _hooks = hooks;
        _launcher = new Lazy<IContainerLauncher>(launcher);
        _cgroups = cgroups;
        _time = time;
        _store = new StateStore(Path.GetFullPath(options.Root), syscalls);
        // Beside the state folders rather than among them, where a container could be named like it.
        _rootDisks = new RootDisk(_store.Root + ".disks");
        _vmLauncher = new Lazy<IContainerLauncher>(() => new VmLauncher(options.ResolveInitBinary(), _rootDisks, options.BlockingWaits));
    }

    /// <summary>The absolute state directory.</summary>
    public string Root => _store.Root;

    public Task<ContainerState> GetStateAsync(string id, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        return Task.FromResult(_store.Resolve(id, _store.Read(id)));
    }

    /// <summary>The user owning the container's state folder (runc's `list` OWNER), "#uid" when /etc/passwd has no name for it.</summary>
    public string GetOwner(string id)
    {
        ContainerId.Validate(id);
        return FolderOwner.Of(_store.DirectoryOf(id));
    }

    public Task<IReadOnlyList<ContainerState>> ListAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<ContainerState>();
        foreach (var id in _store.ListIds())
        {
            try
            {
                states.Add(_store.Resolve(id, _store.Read(id)));
            }
            catch (RuntimeException)
            {
                // Deleted between listing and reading, or corrupt: `state ID` reports the latter.
            }
        }
        return Task.FromResult<IReadOnlyList<ContainerState>>(states);
    }

    public async Task<int> WaitAsync(string id, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        var state = _store.Read(id) ?? throw new RuntimeException(RuntimeErrorKind.InvalidState, $"container \"{id}\" is still being created");
        if (state.Phase == StateFile.PhaseCreating)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidState, $"container \"{id}\" is still being created");
        }

        await _syscalls.WaitForExitAsync(state.Pid, state.PidStartTime, cancellationToken);
        return CollectExitStatus(id, state);
    }

    /// <summary>
    /// The exit status of an exited init. It is exact when this process created the container (it is a child
    /// subreaper, so the init is its child) or while the init is still a zombie; otherwise -1, since nobody
    /// else can learn the status of a process that another parent has reaped.
    /// </summary>
    private int CollectExitStatus(string id, StateFile state)
    {
        var key = (state.Pid, state.PidStartTime);
        if (_exitStatuses.TryGetValue(key, out var known))
        {
            return known;
        }

        var zombie = _syscalls.ReadProcessStat(state.Pid) is { HasExited: true } stat && stat.StartTime == state.PidStartTime ? stat : null;
        int status;
        if (zombie is not null && _syscalls.TryReap(state.Pid) is { } reaped)
        {
            status = reaped;
        }
        else if (zombie is not null)
        {
            status = Libc.ShellStatus(zombie.ExitCode);
        }
        else
        {
            status = -1;
        }

        return _exitStatuses.GetOrAdd(key, status);
    }

    private void Warn(string message) => _options.Warning?.Invoke(message);

    private void EnsureSubreaper()
    {
        if (Interlocked.Exchange(ref _subreaper, 1) == 0)
        {
            _syscalls.BecomeChildSubreaper();
        }
    }

    private static ContainerState StateFor(StateFile state, string status) => new()
    {
        OciVersion = state.OciVersion,
        Id = state.Id,
        Status = status,
        Pid = state.Pid,
        Bundle = state.Bundle,
        Rootfs = state.Rootfs,
        Annotations = state.Annotations,
        Created = state.Created,
    };

    /// <summary>Kills whatever of the container still runs and waits (bounded) until its init is gone.</summary>
    private async Task KillEverythingAsync(StateFile? state, ICgroupHandle? cgroup)
    {
        // Freezing an empty cgroup only costs time (the common case: deleting a stopped container).
        if (cgroup is not null && cgroup.GetPids().Count > 0)
        {
            cgroup.KillAll();
        }

        if (state is not { Pid: > 0 })
        {
            return;
        }

        _syscalls.SendSignal(state.Pid, state.PidStartTime, LinuxConstants.SIGKILL);
        using var deadline = new CancellationTokenSource(KillGrace, _time);
        try
        {
            await _syscalls.WaitForExitAsync(state.Pid, state.PidStartTime, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new RuntimeException(RuntimeErrorKind.HostFailure, $"container \"{state.Id}\": process {state.Pid} did not exit within {KillGrace.TotalSeconds} s of SIGKILL");
        }
        CollectExitStatus(state.Id, state);
    }
}
