namespace Platform.Scheduler.Placement;

/// <summary>A schedulable node as placement sees it: memory it has and memory already promised to instances.</summary>
public sealed record NodeCapacity(string NodeId, int MemoryMiB, int AllocatedMemoryMiB)
{
    public int FreeMemoryMiB => MemoryMiB - AllocatedMemoryMiB;
}
