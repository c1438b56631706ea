using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A DNS server on the host's 127.0.0.1 that answers every A question with one address and any other question
/// with no answer (NOERROR): the node's resolver, as far as an egress test's function can tell. It counts the
/// names it was asked, so a test sees its queries arrived through the node's relay.
/// </summary>
internal sealed class FakeDnsServer : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly IPAddress _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeDnsServer(IPAddress answer)
    {
        _answer = answer;
        _loop = ServeAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    public List<string> Asked { get; } = [];

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (Answer(query.Buffer) is { } answer)
            {
                await _udp.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
            }
        }
    }

    // Header (12 bytes), one question (labels, type, class); the answer repeats the question and, for A, adds
    // one record pointing back at the question's name (0xC00C).
    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 17 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1)
        {
            return null;
        }

        var end = 12;
        var labels = new List<string>();
        while (end < query.Length && query[end] != 0)
        {
            labels.Add(System.Text.Encoding.ASCII.GetString(query, end + 1, query[end]));
            end += query[end] + 1;
        }

        var questionEnd = end + 5;
        if (questionEnd > query.Length)
        {
            return null;
        }

        lock (Asked)
        {
            Asked.Add(string.Join('.', labels));
        }

        var isA = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(end + 1)) == 1;
        var answer = new List<byte>(query[..questionEnd]);
        answer[2] = 0x81; // response, recursion desired
        answer[3] = 0x80; // recursion available, NOERROR
        answer[6] = 0;
        answer[7] = isA ? (byte)1 : (byte)0;
        answer[8] = answer[9] = answer[10] = answer[11] = 0;
        if (isA)
        {
            answer.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            answer.AddRange(_answer.GetAddressBytes());
        }

        return [.. answer];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        _loop.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
