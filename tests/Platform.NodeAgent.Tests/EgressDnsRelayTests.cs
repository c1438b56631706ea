using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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

    [Fact]
    public async Task Over_tcp_each_query_of_a_connection_is_relayed_in_turn_and_a_frame_too_long_ends_the_connection()
    {
        if (Environment.UserName != "root" || !File.Exists("/bin/busybox") || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Skip("needs root, /bin/busybox and unshare");
        }

        CancellationToken ct = TestContext.Current.CancellationToken;
        // The instance's namespace: loopback only, held by a process that execs sleep once lo is up.
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/unshare", ["--net", "/bin/sh", "-c", "busybox ip link set lo up && exec sleep 600"]))!;
        try
        {
            await LocalInstanceConnectorTests.WaitForOwnNamespaceAsync(holder.Id);
            while ((await File.ReadAllTextAsync($"/proc/{holder.Id}/comm", ct)).Trim() != "sleep")
            {
                await Task.Delay(10, ct);
            }

            using var upstream = new TcpListener(IPAddress.Loopback, 0);
            upstream.Start();
            var asked = new List<int>();
            Task server = ServeTcpDnsAsync(upstream, asked, ct);
            using var sockets = new NetnsSocketFactory();
            using var netns = NetnsSocketFactory.OpenNamespace($"/proc/{holder.Id}/ns/net");
            await using var relay = await EgressDnsRelay.StartAsync(sockets, netns, [(IPEndPoint)upstream.LocalEndpoint], ct);

            using var client = await sockets.CreateTcpSocketAsync(netns, ct);
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 53), ct);
            // Two queries back to back on one connection (RFC 7766 pipelining): two answers, in turn.
            await client.SendAsync(Frame(Query(0x1234)).Concat(Frame(Query(0x5678))).ToArray(), SocketFlags.None, ct);
            Assert.Equal(0x1234, Id(await ReadFrameAsync(client, ct)));
            Assert.Equal(0x5678, Id(await ReadFrameAsync(client, ct)));

            // A length over what a query may be: the connection ends, and nothing reaches the server.
            await client.SendAsync(new byte[] { 0xff, 0xff }, SocketFlags.None, ct);
            Assert.Equal(0, await client.ReceiveAsync(new byte[16], SocketFlags.None, ct));
            Assert.Equal([0x1234, 0x5678], asked);
            upstream.Stop();
            await Assert.ThrowsAnyAsync<Exception>(() => server);
        }
        finally
        {
            holder.Kill();
            await holder.WaitForExitAsync(ct);
        }
    }

    /// <summary>A DNS server over TCP: answers each query with its own bytes, QR set, and records its id.</summary>
    private static async Task ServeTcpDnsAsync(TcpListener listener, List<int> asked, CancellationToken ct)
    {
        while (true)
        {
            using var connection = await listener.AcceptSocketAsync(ct);
            while (await ReadFrameAsync(connection, ct) is { Length: > 0 } query)
            {
                asked.Add(Id(query));
                query[2] |= 0x80;
                await connection.SendAsync(Frame(query), SocketFlags.None, ct);
            }
        }
    }

    private static byte[] Query(int id) => [(byte)(id >> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'x', 0, 0, 1, 0, 1];

    private static byte[] Frame(byte[] message) => [(byte)(message.Length >> 8), (byte)message.Length, .. message];

    private static int Id(byte[] message) => (message[0] << 8) | message[1];

    /// <summary>One length-prefixed message; empty at end of stream.</summary>
    private static async Task<byte[]> ReadFrameAsync(Socket socket, CancellationToken ct)
    {
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, ct))
        {
            return [];
        }

        var message = new byte[(prefix[0] << 8) | prefix[1]];
        return await ReadExactlyAsync(socket, message, ct) ? message : [];
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> into, CancellationToken ct)
    {
        while (into.Length > 0)
        {
            int read = await socket.ReceiveAsync(into, SocketFlags.None, ct);
            if (read == 0)
            {
                return false;
            }

            into = into[read..];
        }

        return true;
    }

    public void Dispose() => File.Delete(_resolvConf);
}
