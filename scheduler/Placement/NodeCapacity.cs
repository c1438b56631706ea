namespace Platform.Scheduler.Placement;

/// <summary>
/// A schedulable node as placement sees it: memory it has, memory already promised to instances, and the
/// isolations it runs (Platform.Contracts.Isolation; containers only when not given).
/// </summary>
public sealed record NodeCapacity(string NodeId, int MemoryMiB, int AllocatedMemoryMiB, IReadOnlyList<string>? Backends = null)
{
    public bool Offers(string isolation) => (Backends ?? [Platform.Contracts.Isolation.Container]).Contains(isolation);

    public int FreeMemoryMiB => MemoryMiB - AllocatedMemoryMiB;
}
