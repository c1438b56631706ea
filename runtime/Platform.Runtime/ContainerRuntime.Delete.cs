using Platform.Runtime.State;
using Platform.Runtime.Validation;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    public async Task DeleteAsync(string id, bool force = false, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        if (force)
        {
            _store.RemoveStaleStaging();
        }

        if (!_store.Exists(id))
        {
            // runc: deleting what is not there is fine with --force (shims clean up blindly after failures).
            if (force)
            {
                return;
            }

            throw StateStore.NotFound(id);
        }

        StateFile? state;
        using (_store.Lock(id))
        {
            state = _store.Read(id);
            var status = _store.Resolve(id, state).Status;
            if (!force && status == ContainerStatus.Running)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidState, $"cannot delete container \"{id}\": it is running (kill it first, or use --force)");
            }

            if (!force && status == ContainerStatus.Creating)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidState, $"cannot delete container \"{id}\": it is being created (a crashed create is removed with --force)");
            }

            // A created container is deleted like runc does it: its waiting init is killed.
            var cgroup = state?.CgroupPath is { } path ? _cgroups.Open(path, id) : null;
            // Also for a stopped one: without a PID namespace its children outlive it inside the cgroup.
            await KillEverythingAsync(status == ContainerStatus.Stopped ? null : PhaseCreatedOrNull(state), cgroup);
            if (state is { Pid: > 0 })
            {
                CollectExitStatus(id, state);
            }

            if (state?.HostMounts is { } hostMounts)
            {
                UnmountHostMounts(hostMounts);
            }

            cgroup?.Destroy();
            _store.Remove(id);
        }
        PruneRootDisks();

        if (state is { Pid: > 0 })
        {
            _exitStatuses.TryRemove((state.Pid, state.PidStartTime), out _);
            try
            {
                await _hooks.RunAsync("poststop", state.Hooks?.Poststop, StateFor(state, ContainerStatus.Stopped), cancellationToken);
            }
            catch (RuntimeException e)
            {
                // runtime.md: a failing poststop hook is a warning; the container is already gone.
                Warn(e.Message);
            }
        }
    }

    private static StateFile? PhaseCreatedOrNull(StateFile? state) =>
        state is { Phase: StateFile.PhaseCreated } ? state : null;

    /// <summary>
    /// Removes mounts a container made on the host, newest first (a mount on top of another goes before it), and
    /// only those still in the table with the same ID: a path whose mount is already gone is not unmounted again.
    /// </summary>
    private void UnmountHostMounts(IReadOnlyList<HostMount> mounts)
    {
        var current = _syscalls.ReadMounts().ToHashSet();
        foreach (var mount in mounts.Reverse())
        {
            if (current.Contains(mount))
            {
                _syscalls.Unmount(mount.Path);
            }
        }
    }
}
