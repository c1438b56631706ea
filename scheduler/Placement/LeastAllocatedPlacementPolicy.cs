namespace Platform.Scheduler.Placement;

/// <summary>
/// Spreads instances: of the nodes that run the instance's isolation with enough free memory, the one with the smallest fraction of its memory
/// allocated wins, so one failing node takes down as few instances as possible. Ties go to the node id, so a
/// decision is repeatable.
/// </summary>
internal sealed class LeastAllocatedPlacementPolicy : IPlacementPolicy
{
    public NodeCapacity? Choose(IReadOnlyList<NodeCapacity> candidates, int memoryMiB, string isolation = Platform.Contracts.Isolation.Container)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        NodeCapacity? best = null;
        double bestLoad = double.MaxValue;
        foreach (var node in candidates)
        {
            if (!node.Offers(isolation) || node.MemoryMiB <= 0 || node.FreeMemoryMiB < memoryMiB)
            {
                continue;
            }

            var load = (double)node.AllocatedMemoryMiB / node.MemoryMiB;
            if (best is null || load < bestLoad || (load == bestLoad && string.CompareOrdinal(node.NodeId, best.NodeId) < 0))
            {
                best = node;
                bestLoad = load;
            }
        }

        return best;
    }
}
