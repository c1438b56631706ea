using System.Net;
using Platform.NodeAgent.Networking;

namespace Platform.NodeAgent.Tests;

public sealed class EgressAddressesTests
{
    [Fact]
    public void Each_block_is_a_30_whose_first_address_is_the_nodes_end_and_second_the_instances()
    {
        var addresses = new EgressAddresses("10.213.0.0/16");

        Assert.Equal(16384, addresses.Blocks);
        Assert.Equal(new EgressLink(0, "pfe0", IPAddress.Parse("10.213.0.1"), IPAddress.Parse("10.213.0.2")), addresses.Link(0));
        Assert.Equal(new EgressLink(65, "pfe65", IPAddress.Parse("10.213.1.5"), IPAddress.Parse("10.213.1.6")), addresses.Link(65));
        var last = addresses.Link(16383);
        Assert.Equal(IPAddress.Parse("10.213.255.253"), last.Gateway);
        Assert.Equal(IPAddress.Parse("10.213.255.254"), last.Address);
        Assert.True(last.HostInterface.Length <= 15, "Linux interface names are at most 15 characters");
        Assert.Throws<ArgumentOutOfRangeException>(() => addresses.Link(16384));
        Assert.Throws<ArgumentOutOfRangeException>(() => addresses.Link(-1));
    }

    [Fact]
    public void The_largest_subnet_still_names_every_link_within_the_kernels_limit()
    {
        var addresses = new EgressAddresses("10.0.0.0/8");

        Assert.True(addresses.Link(addresses.Blocks - 1).HostInterface.Length <= 15);
    }

    [Theory]
    [InlineData("10.213.0.0")]
    [InlineData("10.213.0.1/16")]
    [InlineData("10.0.0.0/7")]
    [InlineData("10.213.0.0/25")]
    [InlineData("fd00::/64")]
    [InlineData("not a network")]
    public void A_subnet_that_is_not_an_aligned_IPv4_network_of_8_to_24_bits_is_refused(string subnet)
    {
        var error = Assert.Throws<FormatException>(() => new EgressAddresses(subnet));

        Assert.Contains(subnet, error.Message);
    }

    [Fact]
    public void A_denied_network_that_is_not_IPv4_is_refused_rather_than_left_out()
    {
        Assert.Equal(2, EgressAddresses.ParseDenied(["10.0.0.0/8", "169.254.0.0/16"]).Count);
        Assert.Contains("192.168.0.0/33", Assert.Throws<FormatException>(() => EgressAddresses.ParseDenied(["10.0.0.0/8", "192.168.0.0/33"])).Message);
        Assert.Throws<FormatException>(() => EgressAddresses.ParseDenied(["fd00::/8"]));
    }

    [Fact]
    public void The_rules_deny_the_subnet_itself_and_match_only_egress_links()
    {
        var rules = EgressRules.Render(IPNetwork.Parse("10.213.0.0/16"), EgressAddresses.ParseDenied(NodeAgentOptions.DefaultEgressDenied));

        Assert.Contains("elements = { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16, 10.213.0.0/16 }", rules);
        Assert.Contains("ip saddr 10.213.0.0/16 oifname != \"pfe*\" masquerade", rules);
        // Replaced as a whole, so agents sharing a host converge on one copy.
        Assert.StartsWith($"table inet {EgressRules.Table} {{}}\ndelete table inet {EgressRules.Table}\n", rules);
        Assert.All(rules.Split('\n').Where(l => l.Contains("reject") || l.Contains("drop")), line => Assert.Contains("iifname \"pfe*\"", line));
    }
}
