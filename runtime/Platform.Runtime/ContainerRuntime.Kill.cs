using Platform.Runtime.Linux.Interop;
using Platform.Runtime.Validation;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    public Task KillAsync(string id, int signal, bool all = false, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        if (signal is < 1 or > 64)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid signal {signal}");
        }

        using var _ = _store.Lock(id);
        var state = _store.Read(id);
        var status = _store.Resolve(id, state).Status;
        if (status == ContainerStatus.Stopped)
        {
            throw new RuntimeException(RuntimeErrorKind.AlreadyStopped, $"cannot kill container \"{id}\": it is not running");
        }

        if (state is null || status == ContainerStatus.Creating)
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidState, $"cannot kill container \"{id}\": it is still being created");
        }

        if (all && state.CgroupPath is { } path)
        {
            var cgroup = _cgroups.Open(path, id);
            // SIGKILL through the cgroup freezes first, so nothing escapes by forking; other signals go to every member.
            if (signal == LinuxConstants.SIGKILL)
            {
                cgroup.KillAll();
                return Task.CompletedTask;
            }
            foreach (var pid in cgroup.GetPids())
            {
                if (_syscalls.ReadProcessStat(pid) is { } member)
                {
                    _syscalls.SendSignal(pid, member.StartTime, signal);
                }
            }
            return Task.CompletedTask;
        }

        if (!_syscalls.SendSignal(state.Pid, state.PidStartTime, signal))
        {
            throw new RuntimeException(RuntimeErrorKind.AlreadyStopped, $"cannot kill container \"{id}\": it is not running");
        }

        return Task.CompletedTask;
    }
}
