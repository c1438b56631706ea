using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using Platform.NodeAgent.Instances;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// Gives an instance whose function allows egress a way out, between its create and its start: a veth pair
/// whose host end is <c>pfe{block}</c> and whose other end is the instance's <c>eth0</c>, a /30 of
/// <see cref="NodeAgentOptions.EgressSubnet"/> and a default route through the host, which masquerades it
/// (<see cref="EgressRules"/>). Nothing needs undoing: the pair goes with the instance's network namespace when
/// its last process ends. The instance holds no capability over its namespace, so it cannot change any of it.
/// Uses iproute2 (<c>ip</c>, in one batch per side) and <c>nft</c>, as CNI's bridge plugin does with netlink.
/// </summary>
internal sealed partial class EgressNetwork(IOptions<NodeAgentOptions> options, NetnsSocketFactory sockets, ILogger<EgressNetwork> logger) : IDisposable
{
    private const string IpForward = "/proc/sys/net/ipv4/ip_forward";
    private readonly SemaphoreSlim _hostSetup = new(1, 1);
    private EgressAddresses? _addresses;
    private IReadOnlyList<System.Net.IPEndPoint> _dns = [];
    private int _nextBlock = -1;

    /// <summary>
    /// Name resolution on the instance's own 127.0.0.1:53 (<see cref="EgressDnsRelay"/>), relayed to the node's
    /// resolvers; null when the node has none.
    /// </summary>
    public async Task<EgressDnsRelay?> StartDnsAsync(SafeFileHandle netns, CancellationToken cancellationToken)
    {
        await PrepareHostAsync(cancellationToken);
        if (_dns.Count == 0)
        {
            return null;
        }

        try
        {
            return await EgressDnsRelay.StartAsync(sockets, netns, _dns, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // Port 53 taken inside the instance (an adopted function that bound it itself): it resolves on its own.
            LogDnsUnavailable(logger, e);
            return null;
        }
    }

    /// <summary>Links the created container whose init is <paramref name="pid"/> to the outside.</summary>
    /// <exception cref="InstanceStartException">The host cannot give it egress (with the reason).</exception>
    public async Task<EgressLink> AttachAsync(int pid, CancellationToken cancellationToken)
    {
        var addresses = await PrepareHostAsync(cancellationToken);
        for (var tried = 0; tried < addresses.Blocks; tried++)
        {
            var link = addresses.Link(NextBlock(addresses.Blocks));
            var (status, error) = await RunAsync("ip", ["-batch", "-"],
                $"""
                link add {link.HostInterface} type veth peer name eth0 netns {pid}
                addr add {link.Gateway}/30 dev {link.HostInterface}
                link set {link.HostInterface} up

                """, cancellationToken);
            if (status != 0 && error.Contains("File exists", StringComparison.Ordinal) && error.Contains("Command failed -:1", StringComparison.Ordinal))
            {
                // Another instance on this host holds the block (an agent of this node or of another): its name is taken.
                continue;
            }

            if (status != 0)
            {
                throw new InstanceStartException($"egress: creating its link {link.HostInterface} failed: {error.Trim()}");
            }

            (status, error) = await RunAsync("nsenter", [$"--net=/proc/{pid.ToString(CultureInfo.InvariantCulture)}/ns/net", "ip", "-batch", "-"],
                $"""
                addr add {link.Address}/30 dev eth0
                link set eth0 up
                route add default via {link.Gateway}

                """, cancellationToken);
            if (status != 0)
            {
                // The half-made link goes with the container's namespace when the failed start is torn down.
                throw new InstanceStartException($"egress: configuring eth0 of the instance failed: {error.Trim()}");
            }

            return link;
        }

        throw new InstanceStartException($"egress: all {addresses.Blocks} links of {addresses.Subnet} on this host are in use");
    }

    // Blocks are handed out round the subnet, so a block an ended instance left is reused last: its namespace
    // (and the link with it) may outlive the instance for as long as a connection to it stays open.
    private int NextBlock(int blocks)
    {
        if (_nextBlock < 0)
        {
            Interlocked.CompareExchange(ref _nextBlock, Random.Shared.Next(blocks), -1);
        }

        return (int)((uint)Interlocked.Increment(ref _nextBlock) % (uint)blocks);
    }

    // Once per agent, at the first egress instance: the filter and NAT table, and IPv4 forwarding (host-wide, as
    // Docker and every CNI bridge need it; the table's forward chain confines what egress links may reach).
    private async Task<EgressAddresses> PrepareHostAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _addresses) is { } ready)
        {
            return ready;
        }

        await _hostSetup.WaitAsync(cancellationToken);
        try
        {
            if (_addresses is not null)
            {
                return _addresses;
            }

            EgressAddresses addresses;
            IReadOnlyList<System.Net.IPNetwork> denied;
            try
            {
                addresses = new EgressAddresses(options.Value.EgressSubnet);
                denied = EgressAddresses.ParseDenied(options.Value.EgressDenied ?? NodeAgentOptions.DefaultEgressDenied);
                _dns = EgressDnsRelay.Upstreams(options.Value.EgressDns);
            }
            catch (FormatException e)
            {
                throw new InstanceStartException($"egress is misconfigured on this node: {e.Message}");
            }

            var (status, error) = await RunAsync("nft", ["-f", "-"], EgressRules.Render(addresses.Subnet, denied), cancellationToken);
            if (status != 0)
            {
                throw new InstanceStartException($"egress: installing the host's nftables rules failed: {error.Trim()}");
            }

            await File.WriteAllTextAsync(IpForward, "1", cancellationToken);
            LogHostReady(logger, addresses.Subnet.ToString(), string.Join(", ", denied), _dns.Count == 0 ? "none (no resolver configured or in /etc/resolv.conf)" : string.Join(", ", _dns));
            Volatile.Write(ref _addresses, addresses);
            return addresses;
        }
        finally
        {
            _hostSetup.Release();
        }
    }

    public void Dispose() => _hostSetup.Dispose();

    private static async Task<(int Status, string Error)> RunAsync(string file, string[] arguments, string input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InstanceStartException($"egress needs '{file}' on the node ({(file == "nft" ? "nftables" : "iproute2 and util-linux")}): {e.Message}");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            await stdout;
            return (process.ExitCode, await stderr);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An egress instance's DNS relay could not bind its 127.0.0.1:53; it has none")]
    private static partial void LogDnsUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Egress ready on this host: instances get a /30 of {Subnet}; denied: {Denied}, the node itself and other instances; DNS relayed to {Dns}")]
    private static partial void LogHostReady(ILogger logger, string subnet, string denied, string dns);
}
