using System.Net;

namespace Platform.EndToEnd.Tests.Fleet;

/// <summary>
/// A fleet's network, made by the test on this one machine: the control plane's host (this network namespace)
/// holds <see cref="HostAddress"/> on a bridge of its own, and each node is a network namespace of its own with an
/// address on that bridge, as separate hosts on one LAN. A node agent started in its namespace
/// (<see cref="NodeCommand"/>) reaches the api and RabbitMQ only at the host's bridge address, and the gateway
/// reaches it only at the node's: nothing crosses a shared loopback. No traffic leaves the machine.
/// </summary>
internal sealed class FleetNetwork : IAsyncDisposable
{
    private readonly string _bridge;
    private readonly string _prefix;
    private readonly int _block;
    private readonly List<string> _namespaces = [];

    private FleetNetwork(string suffix, int block)
    {
        _bridge = "pfb" + suffix;
        _prefix = "platform-fleet-" + suffix + "-";
        _block = block;
        HostAddress = IPAddress.Parse($"10.253.{block}.1");
    }

    /// <summary>The control plane host's address on the fleet's network: the api and RabbitMQ listen here.</summary>
    public IPAddress HostAddress { get; }

    /// <summary>Makes the bridge and gives this host its address on it (10.253.b.0/24, b random, so two runs never meet).</summary>
    public static async Task<FleetNetwork> StartAsync(string suffix, CancellationToken cancellationToken)
    {
        var network = new FleetNetwork(suffix, Random.Shared.Next(1, 250));
        await Processes.RunAsync("ip", ["link", "add", network._bridge, "type", "bridge"], cancellationToken);
        try
        {
            await Processes.RunAsync("ip", ["addr", "add", $"{network.HostAddress}/24", "dev", network._bridge], cancellationToken);
            await Processes.RunAsync("ip", ["link", "set", network._bridge, "up"], cancellationToken);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
        return network;
    }

    /// <summary>Node <paramref name="n"/>'s host: a network namespace with eth0 on the bridge; its address.</summary>
    public async Task<IPAddress> AddNodeAsync(int n, CancellationToken cancellationToken)
    {
        string name = _prefix + "n" + n;
        string link = $"{_bridge}n{n}";
        await Processes.RunAsync("ip", ["netns", "add", name], cancellationToken);
        _namespaces.Add(name);
        var address = IPAddress.Parse($"10.253.{_block}.{10 + n}");
        await Processes.RunAsync("ip", ["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name], cancellationToken);
        await Processes.RunAsync("ip", ["link", "set", link, "master", _bridge, "up"], cancellationToken);
        await Processes.RunAsync("ip", ["-n", name, "addr", "add", $"{address}/24", "dev", "eth0"], cancellationToken);
        await Processes.RunAsync("ip", ["-n", name, "link", "set", "lo", "up"], cancellationToken);
        await Processes.RunAsync("ip", ["-n", name, "link", "set", "eth0", "up"], cancellationToken);
        await Processes.RunAsync("ip", ["-n", name, "route", "add", "default", "via", HostAddress.ToString()], cancellationToken);
        return address;
    }

    /// <summary>
    /// The command that runs a program on node <paramref name="n"/>'s host: nsenter into its network namespace only
    /// (not <c>ip netns exec</c>, which also remounts /sys and so would hide the cgroup tree the agent needs). nsenter
    /// execs the program, so the process started is the program itself (its pid is the agent's).
    /// </summary>
    public string[] NodeCommand(int n) => ["nsenter", $"--net=/run/netns/{_prefix}n{n}", "--"];

    public async ValueTask DisposeAsync()
    {
        // A namespace takes its veth pair with it; the bridge goes last.
        foreach (string name in _namespaces)
        {
            await Processes.TryRunAsync("ip", ["netns", "del", name]);
        }
        await Processes.TryRunAsync("ip", ["link", "del", _bridge]);
    }
}
