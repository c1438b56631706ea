using Platform.Runtime.Spec;
using Platform.Runtime.State;
using Platform.Runtime.Validation;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    public async Task StartAsync(string id, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        StateFile state;
        using (_store.Lock(id))
        {
            state = _store.Read(id) ?? throw new RuntimeException(RuntimeErrorKind.InvalidState, $"cannot start container \"{id}\": it is still being created");
            var status = _store.Resolve(id, state).Status;
            if (status != ContainerStatus.Created)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidState, status switch
                {
                    ContainerStatus.Running => $"cannot start container \"{id}\": it is already running",
                    ContainerStatus.Stopped => $"cannot start container \"{id}\": it has stopped (start runs a created container once)",
                    _ => $"cannot start container \"{id}\": it is {status}, not created",
                });
            }

            var fifo = _store.ExecFifoOf(id);
            await _syscalls.OpenExecFifoAsync(fifo, () => _store.IsAlive(state), cancellationToken);
            // Without the fifo the container reads as running: the status is derived, never stored.
            File.Delete(fifo);
        }

        try
        {
            await _hooks.RunAsync("poststart", state.Hooks?.Poststart, StateFor(state, ContainerStatus.Running), cancellationToken);
        }
        catch (RuntimeException e) when (!SpecVersion.AtLeast(state.OciVersion, 1, 3))
        {
            // runtime.md up to 1.2: a failing poststart hook is a warning; the container keeps running.
            Warn(e.Message);
        }
        catch (RuntimeException e)
        {
            // runtime.md 1.3: an error, and the container is stopped; the lifecycle goes on at delete.
            using (_store.Lock(id))
            {
                var cgroup = state.CgroupPath is { } path ? _cgroups.Open(path, id) : null;
                await KillEverythingAsync(state, cgroup);
            }
            throw new RuntimeException(e.Kind, $"start {id}: {e.Message}; the container was stopped", e);
        }
    }
}
