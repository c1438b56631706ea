using System.Collections.Concurrent;
using MassTransit;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>Messages seen on the bus, with their headers; waits for one by polling with a generous deadline.</summary>
public sealed class MessageRecorder<T> where T : class
{
    private readonly ConcurrentQueue<Received> _received = new();

    public IReadOnlyCollection<T> Messages => _received.Select(r => r.Message).ToArray();

    internal Task Add(ConsumeContext<T> context)
    {
        // Copied: the context belongs to the bus and is not ours to keep.
        _received.Enqueue(new Received(context.Message, context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value)));
        return Task.CompletedTask;
    }

    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null) =>
        (await WaitForReceivedAsync(match, timeout)).Message;

    /// <summary>The headers (transport and application ones) of the first message matching <paramref name="match"/>.</summary>
    public async Task<IReadOnlyDictionary<string, object>> WaitForHeadersAsync(Func<T, bool> match, TimeSpan? timeout = null) =>
        (await WaitForReceivedAsync(match, timeout)).Headers;

    private async Task<Received> WaitForReceivedAsync(Func<T, bool> match, TimeSpan? timeout)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            Received? found = _received.FirstOrDefault(r => match(r.Message));
            if (found is not null)
            {
                return found;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"no {typeof(T).Name} matching the condition was published; saw {_received.Count}");
    }

    private sealed record Received(T Message, IReadOnlyDictionary<string, object> Headers);
}
