using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// One egress instance's link: the node's end is <see cref="HostInterface"/> with <see cref="Gateway"/>, the
/// instance's end its <c>eth0</c> with <see cref="Address"/>, both in the /30 block number <see cref="Block"/>.
/// </summary>
internal sealed record EgressLink(int Block, string HostInterface, IPAddress Gateway, IPAddress Address);

/// <summary>
/// How egress links are numbered: <see cref="NodeAgentOptions.EgressSubnet"/> cut into /30 blocks, block i being
/// the host interface <c>pfe{i}</c>. The interface name is the block's lock: the kernel refuses a second link of
/// that name on the host, whichever agent asks, so agents sharing a host never hand out one block twice.
/// </summary>
internal sealed class EgressAddresses
{
    /// <summary>Every egress link's host end starts with it; the host's filter rules match on it.</summary>
    public const string InterfacePrefix = "pfe";

    private readonly uint _first;

    /// <exception cref="FormatException">The subnet is not an IPv4 network from /8 to /24 written at its first address.</exception>
    public EgressAddresses(string subnet)
    {
        if (!IPNetwork.TryParse(subnet, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork
            || network.PrefixLength is < 8 or > 24 || network.ToString() != subnet)
        {
            throw new FormatException($"the egress subnet '{subnet}' must be an IPv4 network from /8 to /24, written at its first address (e.g. 10.213.0.0/16)");
        }

        Subnet = network;
        _first = ToUInt32(network.BaseAddress);
        Blocks = 1 << (30 - network.PrefixLength);
    }

    public IPNetwork Subnet { get; }

    /// <summary>How many links the subnet holds at once.</summary>
    public int Blocks { get; }

    public EgressLink Link(int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, Blocks);
        var network = _first + ((uint)block << 2);
        return new EgressLink(block, InterfacePrefix + block.ToString(CultureInfo.InvariantCulture), FromUInt32(network + 1), FromUInt32(network + 2));
    }

    /// <summary>The denied networks as the host's filter takes them: IPv4 CIDRs, checked (a typo must not open a hole).</summary>
    /// <exception cref="FormatException">One of them is not an IPv4 network.</exception>
    public static IReadOnlyList<IPNetwork> ParseDenied(IEnumerable<string> denied) => denied.Select(cidr =>
        IPNetwork.TryParse(cidr, out var network) && network.BaseAddress.AddressFamily == AddressFamily.InterNetwork
            ? network
            : throw new FormatException($"the denied egress network '{cidr}' is not an IPv4 network such as 10.0.0.0/8")).ToList();

    private static uint ToUInt32(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
    }

    private static IPAddress FromUInt32(uint value) =>
        new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
