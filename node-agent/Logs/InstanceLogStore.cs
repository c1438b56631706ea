using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Platform.Contracts;

namespace Platform.NodeAgent.Logs;

/// <summary>
/// The output of this node's instances, per function: the newest lines in memory (they outlive the instance,
/// so the logs of a crashed or replaced instance can still be read), and live followers. Bounded by count
/// (<see cref="NodeAgentOptions.LogTailLines"/>) and age (<see cref="NodeAgentOptions.LogRetention"/>); a deleted
/// function's lines go with it.
/// </summary>
internal sealed class InstanceLogStore(IOptions<NodeAgentOptions> options, TimeProvider time)
{
    private readonly int _capacity = options.Value.LogTailLines;
    private readonly TimeSpan _retention = options.Value.LogRetention;
    private readonly ConcurrentDictionary<Guid, FunctionLog> _functions = new();

    public void Append(Guid functionId, LogLine line)
    {
        var log = _functions.GetOrAdd(functionId, _ => new FunctionLog());
        lock (log)
        {
            log.Lines.Enqueue(line);
            while (log.Lines.Count > _capacity)
            {
                log.Lines.Dequeue();
            }

            DropExpired(log);

            foreach (var follower in log.Followers)
            {
                follower.Writer.TryWrite(line);
            }
        }
    }

    /// <summary>The newest <paramref name="tail"/> lines; with <paramref name="follow"/>, then null (the end of the backlog) and new lines until cancelled.</summary>
    public async IAsyncEnumerable<LogLine?> ReadAsync(Guid functionId, int tail, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var log = _functions.GetOrAdd(functionId, _ => new FunctionLog());
        LogLine[] recent;
        Channel<LogLine>? follower = null;
        lock (log)
        {
            DropExpired(log);
            recent = log.Lines.Skip(Math.Max(0, log.Lines.Count - Math.Max(0, tail))).ToArray();
            if (follow)
            {
                // A slow reader loses its oldest unread lines rather than growing memory without bound.
                follower = Channel.CreateBounded<LogLine>(new BoundedChannelOptions(_capacity) { FullMode = BoundedChannelFullMode.DropOldest });
                log.Followers.Add(follower);
            }
        }

        try
        {
            foreach (var line in recent)
            {
                yield return line;
            }

            if (follower is null)
            {
                yield break;
            }

            yield return null;

            while (await WaitAsync(follower.Reader, cancellationToken))
            {
                while (follower.Reader.TryRead(out var line))
                {
                    yield return line;
                }
            }
        }
        finally
        {
            if (follower is not null)
            {
                lock (log)
                {
                    log.Followers.Remove(follower);
                }
            }
        }
    }

    /// <summary>Forgets a deleted function's lines (its followers see the end of the stream).</summary>
    public void Remove(Guid functionId)
    {
        if (_functions.TryRemove(functionId, out var log))
        {
            lock (log)
            {
                log.Lines.Clear();
                foreach (var follower in log.Followers)
                {
                    follower.Writer.TryComplete();
                }
            }
        }
    }

    private void DropExpired(FunctionLog log)
    {
        var oldest = time.GetUtcNow() - _retention;
        while (log.Lines.TryPeek(out var first) && first.At < oldest)
        {
            log.Lines.Dequeue();
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

    private sealed class FunctionLog
    {
        public Queue<LogLine> Lines { get; } = new();
        public List<Channel<LogLine>> Followers { get; } = [];
    }
}
