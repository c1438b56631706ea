using Platform.Runtime.Cgroups;
using Platform.Runtime.Validation;

namespace Platform.Runtime;

public sealed partial class ContainerRuntime
{
    /// <summary>Host PIDs of every process in the container (its cgroup), for `ps`.</summary>
    public Task<IReadOnlyList<int>> GetPidsAsync(string id, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        var state = _store.Read(id);
        if (state?.CgroupPath is { } path)
        {
            return Task.FromResult(_cgroups.Open(path, id).GetPids());
        }

        IReadOnlyList<int> single = state is not null && _store.IsAlive(state) ? [state.Pid] : [];
        return Task.FromResult(single);
    }

    /// <summary>
    /// The container's cgroup counters now (runc's `events --stats`): memory, OOM kills, CPU, pids. A container
    /// without a cgroup of its own reads all zeros.
    /// </summary>
    public Task<CgroupStats> GetStatsAsync(string id, CancellationToken cancellationToken = default)
    {
        ContainerId.Validate(id);
        var state = _store.Read(id) ?? throw new RuntimeException(RuntimeErrorKind.InvalidState, $"container \"{id}\" is still being created");
        var stats = state.CgroupPath is { } path ? _cgroups.Open(path, id).GetStats() : new CgroupStats();
        // A microVM's guest kills inside the VM: its VMM process records the guest's count beside the state.
        var guest = Path.Combine(_store.DirectoryOf(id), VmBackend.VmLauncher.GuestOomKillsFile);
        if (File.Exists(guest) && ulong.TryParse(File.ReadAllText(guest), out var guestKills))
        {
            stats = stats with { OomKills = stats.OomKills + guestKills };
        }
        return Task.FromResult(stats);
    }
}
