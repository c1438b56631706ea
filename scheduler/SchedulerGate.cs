using System.Diagnostics.CodeAnalysis;

namespace Platform.Scheduler;

/// <summary>
/// Serializes the scheduler's read-decide-write steps: consumers run concurrently, and two of them converging
/// one function at once would both see it short of an instance and start two. One scheduler process per
/// platform (embedded, or one scheduler role in a fleet) makes this sufficient.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "A singleton for the process lifetime; its SemaphoreSlim never hands out a wait handle, so there is nothing to free.")]
internal sealed class SchedulerGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _semaphore.WaitAsync(cancellationToken);
        return new Releaser(_semaphore);
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }
        }
    }
}
