using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;

namespace Platform.NodeAgent.Networking;

/// <summary>
/// Name resolution for an egress instance without touching its root filesystem: a resolver with no
/// /etc/resolv.conf (glibc's, musl's, busybox's) asks 127.0.0.1:53, so the agent binds a UDP socket there, in
/// the instance's own network namespace, and relays each query to the node's resolvers from the host's
/// namespace (which may sit on networks the instance's egress is denied, such as 127.0.0.53 or a VPC
/// resolver: the relay passes DNS messages, never other traffic). A bundle with its own resolv.conf uses its
/// own servers through its egress instead. Queries are opaque bytes: at most <see cref="MaxMessage"/> long,
/// <see cref="MaxInFlight"/> at a time per instance (more are dropped, as a busy resolver would), and an
/// answer is passed back only from the server asked, with the query's id.
/// </summary>
internal sealed class EgressDnsRelay : IAsyncDisposable
{
    /// <summary>EDNS0's common buffer size; a longer answer is truncated by the server (TC) as for any UDP client.</summary>
    public const int MaxMessage = 4096;
    public const int MaxInFlight = 32;
    private const int HeaderLength = 12;
    private static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(2);

    private readonly Socket _socket;
    private readonly IReadOnlyList<IPEndPoint> _upstreams;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private Task _loop = Task.CompletedTask;

    private EgressDnsRelay(Socket socket, IReadOnlyList<IPEndPoint> upstreams)
    {
        _socket = socket;
        _upstreams = upstreams;
    }

    /// <summary>Serves 127.0.0.1:53 of the namespace until disposed.</summary>
    public static async Task<EgressDnsRelay> StartAsync(NetnsSocketFactory sockets, SafeFileHandle netns, IReadOnlyList<IPEndPoint> upstreams, CancellationToken cancellationToken)
    {
        var socket = await sockets.CreateSocketAsync(netns, SocketType.Dgram, ProtocolType.Udp, cancellationToken);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 53));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var relay = new EgressDnsRelay(socket, upstreams);
        relay._loop = relay.ServeAsync();
        return relay;
    }

    /// <summary>The node's resolvers: the configured ones, else the host's /etc/resolv.conf nameservers (port 53).</summary>
    /// <exception cref="FormatException">A configured one is not an IP address with an optional port.</exception>
    public static IReadOnlyList<IPEndPoint> Upstreams(IEnumerable<string>? configured, string resolvConf = "/etc/resolv.conf")
    {
        if (configured is not null)
        {
            return configured.Select(text => IPEndPoint.TryParse(text, out var endpoint)
                ? endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint
                : throw new FormatException($"the egress DNS server '{text}' is not an IP address with an optional port")).ToList();
        }

        return File.Exists(resolvConf)
            ? File.ReadLines(resolvConf)
                .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                .Where(words => words is ["nameserver", _, ..] && IPAddress.TryParse(words[1], out _))
                .Select(words => new IPEndPoint(IPAddress.Parse(words[1]), 53))
                .ToList()
            : [];
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[MaxMessage];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                // Disposed (the instance ends), or a truncated datagram: a socket error ends the relay only when stopping.
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (received.ReceivedBytes < HeaderLength || !_inFlight.Wait(0))
            {
                continue;
            }

            _ = RelayAsync(buffer.AsSpan(0, received.ReceivedBytes).ToArray(), received.RemoteEndPoint);
        }
    }

    private async Task RelayAsync(byte[] query, EndPoint client)
    {
        try
        {
            var answer = new byte[MaxMessage];
            foreach (var upstream in _upstreams)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(UpstreamTimeout);
                using var server = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                try
                {
                    await server.ConnectAsync(upstream, timeout.Token);
                    await server.SendAsync(query, SocketFlags.None, timeout.Token);
                    var length = await server.ReceiveAsync(answer, SocketFlags.None, timeout.Token);
                    // A connected UDP socket only takes the server's datagrams; the id must be the query's.
                    if (length >= HeaderLength && answer[0] == query[0] && answer[1] == query[1])
                    {
                        await _socket.SendToAsync(answer.AsMemory(0, length), SocketFlags.None, client, _stop.Token);
                        return;
                    }
                }
                catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !_stop.IsCancellationRequested))
                {
                    // Unreachable, refused or silent: the next server.
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, or the client went: nothing to answer.
        }
        finally
        {
            _inFlight.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
