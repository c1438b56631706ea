namespace Platform.NodeAgent.Instances;

/// <summary>
/// The readiness probe's waits between attempts: 1 ms, growing by a quarter each time up to 20 ms. A refused
/// connect on loopback costs microseconds, so a tight start finds a server within a millisecond of it listening,
/// while one that takes seconds to start is probed about 50 times a second, not thousands.
/// </summary>
internal sealed class ProbeBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan Max = TimeSpan.FromMilliseconds(20);

    private TimeSpan _next = First;

    public TimeSpan Next()
    {
        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(Max.Ticks, _next.Ticks + _next.Ticks / 4));
        return delay;
    }
}
