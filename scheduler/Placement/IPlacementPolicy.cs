namespace Platform.Scheduler.Placement;

/// <summary>Chooses the node a new instance runs on, among nodes that are Ready and not cordoned.</summary>
public interface IPlacementPolicy
{
    /// <summary>The chosen node, or null when none runs <paramref name="isolation"/> with <paramref name="memoryMiB"/> free.</summary>
    NodeCapacity? Choose(IReadOnlyList<NodeCapacity> candidates, int memoryMiB, string isolation = Platform.Contracts.Isolation.Container);
}
