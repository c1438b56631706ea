using System.Collections.Concurrent;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>Messages seen on the bus; waits for one by polling with a generous deadline.</summary>
public sealed class MessageRecorder<T> where T : class
{
    private readonly ConcurrentQueue<T> _messages = new();

    public IReadOnlyCollection<T> Messages => _messages.ToArray();

    internal Task Add(T message)
    {
        _messages.Enqueue(message);
        return Task.CompletedTask;
    }

    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            T? found = _messages.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"no {typeof(T).Name} matching the condition was published; saw {_messages.Count}");
    }
}
