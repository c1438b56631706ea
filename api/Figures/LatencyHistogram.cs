namespace Platform.Api.Figures;

/// <summary>
/// Latencies of one minute in log-spaced buckets (four per doubling, from 1 µs to about an hour), so a percentile
/// costs a walk over 128 counters whatever the traffic, and minutes of several functions merge by addition. A
/// percentile is the upper bound of its bucket (at most 19 % above the true value), never above the largest
/// latency seen.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int PerDoubling = 4;
    private const int BucketCount = 128;

    private readonly long[] _counts = new long[BucketCount];
    private double _maxSeconds;

    public long Count { get; private set; }

    public void Add(TimeSpan latency)
    {
        double micros = Math.Max(latency.TotalMicroseconds, 1);
        int bucket = Math.Min((int)(Math.Log2(micros) * PerDoubling), BucketCount - 1);
        _counts[bucket]++;
        Count++;
        _maxSeconds = Math.Max(_maxSeconds, latency.TotalSeconds);
    }

    public void AddTo(LatencyHistogram total)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            total._counts[i] += _counts[i];
        }
        total.Count += Count;
        total._maxSeconds = Math.Max(total._maxSeconds, _maxSeconds);
    }

    /// <summary>The latency below which <paramref name="quantile"/> of them lie, in milliseconds; null when there are none.</summary>
    public double? PercentileMilliseconds(double quantile)
    {
        if (Count == 0)
        {
            return null;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        int bucket = 0;
        for (; bucket < BucketCount - 1; bucket++)
        {
            seen += _counts[bucket];
            if (seen >= rank)
            {
                break;
            }
        }
        double upperMicros = Math.Pow(2, (bucket + 1) / (double)PerDoubling);
        return Math.Round(Math.Min(upperMicros / 1000, _maxSeconds * 1000), 3);
    }
}
