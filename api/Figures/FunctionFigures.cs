namespace Platform.Api.Figures;

/// <summary>
/// One function's last hour as a ring of per-minute figures: a slot is reused once its minute is an hour old,
/// so memory stays fixed however long the process runs.
/// </summary>
internal sealed class FunctionFigures
{
    public const int Minutes = 60;

    private readonly MinuteFigures?[] _ring = new MinuteFigures?[Minutes];
    private readonly Lock _lock = new();

    public void Record(long minute, int status, TimeSpan latency)
    {
        lock (_lock)
        {
            MinuteFigures figures = Slot(minute);
            figures.Invocations++;
            if (status >= 500)
            {
                figures.Errors++;
            }
            figures.Latency.Add(latency);
        }
    }

    public void ColdStart(long minute)
    {
        lock (_lock)
        {
            Slot(minute).ColdStarts++;
        }
    }

    /// <summary>Adds this function's figures for <paramref name="minute"/> to <paramref name="total"/>.</summary>
    public void AddTo(long minute, MinuteFigures total)
    {
        lock (_lock)
        {
            if (_ring[Index(minute)] is { } figures && figures.Minute == minute)
            {
                figures.AddTo(total);
            }
        }
    }

    /// <summary>True when nothing in the ring is younger than an hour before <paramref name="minute"/>: the entry may go.</summary>
    public bool IsIdleSince(long minute)
    {
        lock (_lock)
        {
            return _ring.All(f => f is null || f.Minute <= minute - Minutes);
        }
    }

    private MinuteFigures Slot(long minute)
    {
        int index = Index(minute);
        if (_ring[index] is not { } figures || figures.Minute != minute)
        {
            figures = new MinuteFigures(minute);
            _ring[index] = figures;
        }
        return figures;
    }

    private static int Index(long minute) => (int)(minute % Minutes);
}
