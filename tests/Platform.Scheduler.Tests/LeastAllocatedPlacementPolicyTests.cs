using Platform.Scheduler.Placement;

namespace Platform.Scheduler.Tests;

public sealed class LeastAllocatedPlacementPolicyTests
{
    private readonly LeastAllocatedPlacementPolicy _policy = new();

    [Fact]
    public void No_candidates_places_nothing()
    {
        Assert.Null(_policy.Choose([], 128));
    }

    [Fact]
    public void Chooses_the_node_with_the_smallest_share_allocated()
    {
        var chosen = _policy.Choose(
            [new NodeCapacity("a", 1000, 500), new NodeCapacity("b", 4000, 1000), new NodeCapacity("c", 2000, 1500)],
            128);

        Assert.Equal("b", chosen?.NodeId);
    }

    [Fact]
    public void Nodes_without_enough_free_memory_are_skipped()
    {
        var chosen = _policy.Choose([new NodeCapacity("empty-but-small", 100, 0), new NodeCapacity("busy", 1000, 800)], 128);

        Assert.Equal("busy", chosen?.NodeId);
    }

    [Fact]
    public void Exactly_enough_free_memory_fits()
    {
        Assert.Equal("a", _policy.Choose([new NodeCapacity("a", 256, 128)], 128)?.NodeId);
    }

    [Fact]
    public void No_node_with_room_places_nothing()
    {
        Assert.Null(_policy.Choose([new NodeCapacity("a", 256, 200), new NodeCapacity("b", 0, 0)], 128));
    }

    [Fact]
    public void Ties_go_to_the_lowest_node_id()
    {
        var chosen = _policy.Choose([new NodeCapacity("n2", 1000, 0), new NodeCapacity("n1", 1000, 0)], 128);

        Assert.Equal("n1", chosen?.NodeId);
    }

    [Fact]
    public void Only_nodes_that_run_the_isolation_are_candidates()
    {
        NodeCapacity[] nodes = [new("containers", 1000, 0), new("kvm", 1000, 500, ["container", "microvm"])];

        Assert.Equal("kvm", _policy.Choose(nodes, 128, "microvm")?.NodeId);
        Assert.Equal("containers", _policy.Choose(nodes, 128, "container")?.NodeId);
        Assert.Null(_policy.Choose([nodes[0]], 128, "microvm"));
    }
}
