using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Platform.Api.Security;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Logs;

/// <summary>
/// A function's logs, read over HTTP from the node agents that ran its instances (shared/DESIGN.md §1): each
/// node's backlog, merged in time order and cut to the newest lines, then with follow the new lines of every
/// node as they come.
/// </summary>
internal sealed partial class NodeLogs(IHttpClientFactory clients, PlatformSecrets secrets, ILogger<NodeLogs> logger)
{
    public const string HttpClientName = "platform-node-logs";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async IAsyncEnumerable<LogLine> ReadAsync(
        PlatformDbContext db, Guid functionId, int tail, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Every node that has run an instance of the function and is not known to be gone.
        List<string> addresses = await db.Instances.AsNoTracking()
            .Where(i => i.FunctionId == functionId && i.NodeId != null)
            .Join(db.Nodes.AsNoTracking().Where(n => n.State != NodeState.Down && n.Address != null), i => i.NodeId, n => n.Id, (i, n) => n.Address!)
            .Distinct()
            .ToListAsync(cancellationToken);
        List<Uri> nodes = addresses.Where(a => Uri.IsWellFormedUriString(a, UriKind.Absolute)).Select(a => new Uri(a)).ToList();
        if (nodes.Count == 0)
        {
            yield break;
        }

        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var backlogs = nodes.Select(_ => new TaskCompletionSource<List<LogLine>>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        Channel<LogLine> live = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
        Task[] readers = nodes.Select((node, n) => ReadNodeAsync(node, functionId, tail, follow, backlogs[n], live.Writer, reading.Token)).ToArray();
        try
        {
            var backlog = new List<LogLine>();
            foreach (var node in backlogs)
            {
                backlog.AddRange(await node.Task);
            }
            foreach (LogLine line in backlog.OrderBy(l => l.At).TakeLast(tail))
            {
                yield return line;
            }
            if (!follow)
            {
                yield break;
            }
            _ = Task.WhenAll(readers).ContinueWith(_ => live.Writer.TryComplete(), TaskScheduler.Default);
            while (await WaitAsync(live.Reader, cancellationToken))
            {
                while (live.Reader.TryRead(out LogLine? line))
                {
                    yield return line;
                }
            }
        }
        finally
        {
            await reading.CancelAsync();
        }
    }

    private async Task ReadNodeAsync(
        Uri node, Guid functionId, int tail, bool follow, TaskCompletionSource<List<LogLine>> backlog, ChannelWriter<LogLine> live, CancellationToken cancellationToken)
    {
        var lines = new List<LogLine>();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, NodeEndpoint.Logs(node, functionId, tail, follow));
            request.Headers.TryAddWithoutValidation(NodeEndpoint.TokenHeader, secrets.NodeToken);
            HttpClient client = clients.CreateClient(HttpClientName);
            client.Timeout = Timeout.InfiniteTimeSpan;
            using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadLineAsync(cancellationToken) is { } text)
            {
                if (text.Length == 0)
                {
                    backlog.TrySetResult(lines); // the node's backlog ends here; what follows is live
                    continue;
                }
                if (JsonSerializer.Deserialize<LogLine>(text, Json) is not { } line)
                {
                    continue;
                }
                if (backlog.Task.IsCompleted)
                {
                    live.TryWrite(line);
                }
                else
                {
                    lines.Add(line);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or OperationCanceledException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                // One node down must not hide the others' logs.
                LogNodeFailed(logger, node, ex);
            }
        }
        finally
        {
            backlog.TrySetResult(lines);
        }
    }

    private static async Task<bool> WaitAsync(ChannelReader<LogLine> reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading logs from node {Node} failed")]
    private static partial void LogNodeFailed(ILogger logger, Uri node, Exception exception);
}
