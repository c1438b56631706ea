using System.Net;
using Platform.NodeAgent.Networking;

namespace Platform.NodeAgent.Tests;

public sealed class EgressDnsRelayTests : IDisposable
{
    private readonly string _resolvConf = Path.GetTempFileName();

    [Fact]
    public void Without_configured_resolvers_the_hosts_resolv_conf_nameservers_are_used_on_port_53()
    {
        File.WriteAllLines(_resolvConf, ["# comment", "search example.internal", "nameserver 10.0.0.2", "nameserver\tfd00::53", "nameserver not-an-address", "options ndots:2"]);

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.2"), 53), new IPEndPoint(IPAddress.Parse("fd00::53"), 53)],
            EgressDnsRelay.Upstreams(null, _resolvConf));
        Assert.Empty(EgressDnsRelay.Upstreams(null, _resolvConf + ".missing"));
    }

    [Fact]
    public void Configured_resolvers_win_and_take_an_optional_port()
    {
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5353), new IPEndPoint(IPAddress.Parse("1.1.1.1"), 53)],
            EgressDnsRelay.Upstreams(["127.0.0.1:5353", "1.1.1.1"], _resolvConf));
        Assert.Contains("dns.example", Assert.Throws<FormatException>(() => EgressDnsRelay.Upstreams(["dns.example"])).Message);
    }

    public void Dispose() => File.Delete(_resolvConf);
}
