namespace Platform.Api.Figures;

/// <summary>What the gateway saw of one function in one minute (minutes counted from the Unix epoch).</summary>
internal sealed class MinuteFigures(long minute)
{
    public long Minute { get; } = minute;
    public long Invocations { get; set; }
    public long Errors { get; set; }
    public long ColdStarts { get; set; }
    public LatencyHistogram Latency { get; } = new();

    public void AddTo(MinuteFigures total)
    {
        total.Invocations += Invocations;
        total.Errors += Errors;
        total.ColdStarts += ColdStarts;
        Latency.AddTo(total.Latency);
    }
}
