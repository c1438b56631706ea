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
/// answer is passed back only from the server asked, with the query's id. DNS over TCP (RFC 7766) is served on
/// 127.0.0.1:53 too, where a resolver retries an answer truncated over UDP: each length-prefixed query of a
/// connection is relayed over TCP in turn, an answer up to 64 KiB (the protocol's own limit, so a buffer per
/// connection, never sized by what a peer says); a connection holds one of the in-flight slots and is closed
/// after <see cref="TcpIdleTimeout"/> without a query.
/// </summary>
internal sealed class EgressDnsRelay : IAsyncDisposable
{
    /// <summary>EDNS0's common buffer size; a longer answer is truncated by the server (TC) as for any UDP client.</summary>
    public const int MaxMessage = 4096;
    public const int MaxInFlight = 32;
    private const int HeaderLength = 12;
    private static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TcpIdleTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly Socket _listener;
    private readonly IReadOnlyList<IPEndPoint> _upstreams;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private Task _loop = Task.CompletedTask;

    private EgressDnsRelay(Socket socket, Socket listener, IReadOnlyList<IPEndPoint> upstreams)
    {
        _socket = socket;
        _listener = listener;
        _upstreams = upstreams;
    }

    /// <summary>Serves 127.0.0.1:53 of the namespace until disposed.</summary>
    public static async Task<EgressDnsRelay> StartAsync(NetnsSocketFactory sockets, SafeFileHandle netns, IReadOnlyList<IPEndPoint> upstreams, CancellationToken cancellationToken)
    {
        var socket = await sockets.CreateSocketAsync(netns, SocketType.Dgram, ProtocolType.Udp, cancellationToken);
        Socket? listener = null;
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 53));
            listener = await sockets.CreateTcpSocketAsync(netns, cancellationToken);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 53));
            listener.Listen(MaxInFlight);
        }
        catch
        {
            socket.Dispose();
            listener?.Dispose();
            throw;
        }

        var relay = new EgressDnsRelay(socket, listener, upstreams);
        relay._loop = Task.WhenAll(relay.ServeAsync(), relay.ServeTcpAsync());
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
            var length = await AskUpstreamsAsync(SocketType.Dgram, ProtocolType.Udp, async (server, cancellationToken) =>
            {
                await server.SendAsync(query, SocketFlags.None, cancellationToken);
                var received = await server.ReceiveAsync(answer, SocketFlags.None, cancellationToken);
                // A connected UDP socket only takes the server's datagrams; the id must be the query's.
                return received >= HeaderLength && answer[0] == query[0] && answer[1] == query[1] ? received : null;
            });
            if (length is { } answered)
            {
                await _socket.SendToAsync(answer.AsMemory(0, answered), SocketFlags.None, client, _stop.Token);
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

    /// <summary>
    /// Asks the node's resolvers in turn, each over a socket of its own connected to it and bounded by
    /// <see cref="UpstreamTimeout"/>, until <paramref name="exchange"/> gets an answer's length from one: one
    /// unreachable, refusing, silent or answering another id is passed over. Null when none answered.
    /// </summary>
    private async Task<int?> AskUpstreamsAsync(SocketType type, ProtocolType protocol, Func<Socket, CancellationToken, Task<int?>> exchange)
    {
        foreach (var upstream in _upstreams)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(UpstreamTimeout);
            using var server = new Socket(upstream.AddressFamily, type, protocol);
            try
            {
                await server.ConnectAsync(upstream, timeout.Token);
                if (await exchange(server, timeout.Token) is { } length)
                {
                    return length;
                }
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !_stop.IsCancellationRequested))
            {
                // The next server.
            }
        }

        return null;
    }

    private async Task ServeTcpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (!_inFlight.Wait(0))
            {
                client.Dispose();
                continue;
            }

            _ = ServeConnectionAsync(client);
        }
    }

    /// <summary>One client connection: its queries in turn, each relayed over TCP, until it closes, goes idle or errs.</summary>
    private async Task ServeConnectionAsync(Socket client)
    {
        try
        {
            using (client)
            {
                var message = new byte[2 + ushort.MaxValue];
                while (true)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    idle.CancelAfter(TcpIdleTimeout);
                    if (await ReadFrameAsync(client, message, MaxMessage, idle.Token) is not { } length)
                    {
                        return;
                    }

                    if (await AskOverTcpAsync(message.AsMemory(0, 2 + length), message) is not { } answer)
                    {
                        return; // no server answered: the client's resolver tries its next server or gives up
                    }

                    await client.SendAsync(message.AsMemory(0, 2 + answer), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopping, idle, or the client went.
        }
        finally
        {
            _inFlight.Release();
        }
    }

    /// <summary>
    /// Relays one framed query (length prefix included) to the first server that answers it over TCP; its framed
    /// answer replaces the query in <paramref name="buffer"/>. The answer's length, or null when none answered.
    /// </summary>
    private Task<int?> AskOverTcpAsync(ReadOnlyMemory<byte> framedQuery, byte[] buffer)
    {
        // The query is overwritten by the answer: keep what identifies it.
        byte[] query = framedQuery.ToArray();
        return AskUpstreamsAsync(SocketType.Stream, ProtocolType.Tcp, async (server, cancellationToken) =>
        {
            await server.SendAsync(query, SocketFlags.None, cancellationToken);
            return await ReadFrameAsync(server, buffer, ushort.MaxValue, cancellationToken) is { } length && buffer[2] == query[2] && buffer[3] == query[3]
                ? length
                : null;
        });
    }

    /// <summary>
    /// Reads one DNS-over-TCP frame (two bytes of length, then the message) into <paramref name="buffer"/>: the
    /// message's length, or null at end of stream or when the length is shorter than a header or over
    /// <paramref name="max"/> (a peer that says so is not spoken to any further).
    /// </summary>
    private static async Task<int?> ReadFrameAsync(Socket socket, byte[] buffer, int max, CancellationToken cancellationToken)
    {
        if (!await ReadExactlyAsync(socket, buffer.AsMemory(0, 2), cancellationToken))
        {
            return null;
        }

        int length = (buffer[0] << 8) | buffer[1];
        if (length < HeaderLength || length > max)
        {
            return null;
        }

        return await ReadExactlyAsync(socket, buffer.AsMemory(2, length), cancellationToken) ? length : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> into, CancellationToken cancellationToken)
    {
        while (into.Length > 0)
        {
            int read = await socket.ReceiveAsync(into, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            into = into[read..];
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        _listener.Dispose();
        await _loop;
        _stop.Dispose();
    }
}
