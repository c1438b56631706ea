using Microsoft.Extensions.Options;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Tests;

public sealed class HostIdRangesTests
{
    [Fact]
    public void Each_instance_gets_its_own_range_and_a_returned_one_is_reused_first()
    {
        var ranges = new HostIdRanges(Options.Create(new NodeAgentOptions { UserNamespaceHostId = 2_000_000_000 }));

        uint first = ranges.Rent(), second = ranges.Rent(), third = ranges.Rent();
        Assert.Equal([2_000_000_000u, 2_000_065_536u, 2_000_131_072u], [first, second, third]);

        ranges.Return(second);
        Assert.Equal(second, ranges.Rent());
        Assert.Equal(2_000_196_608u, ranges.Rent());
    }

    [Fact]
    public void Ranges_never_reach_past_32_bits_and_running_out_is_a_start_error()
    {
        var ranges = new HostIdRanges(Options.Create(new NodeAgentOptions { UserNamespaceHostId = uint.MaxValue - 3 * 65536L }));
        Assert.Equal(3, ranges.Capacity);
        var rented = new[] { ranges.Rent(), ranges.Rent(), ranges.Rent() };
        Assert.All(rented, id => Assert.True(id + 65535L < uint.MaxValue));
        Assert.Contains("no free user namespace range", Assert.Throws<InstanceStartException>(() => ranges.Rent()).Message);
    }
}
