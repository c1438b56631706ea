using System.Globalization;
using System.Text;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// The durations of an instance start's steps, for the log line that says it runs ("bundle 3 ms, disk 0 ms, ...")
/// and the start phase histogram.
/// </summary>
internal sealed class StartPhases(TimeProvider time)
{
    private readonly StringBuilder _text = new();
    private readonly long _began = time.GetTimestamp();
    private long _since = time.GetTimestamp();

    /// <summary>From the first step's start to the last step's end.</summary>
    public TimeSpan Total => time.GetElapsedTime(_began, _since);

    /// <summary>A step measured elsewhere (the schedule, before this node took the command): not in <see cref="Total"/>.</summary>
    public void Add(string phase, TimeSpan took)
    {
        _text.Append(_text.Length == 0 ? "" : ", ")
            .Append(phase).Append(' ')
            .Append(took.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)).Append(" ms");
        NodeMetrics.PhaseEnded(phase, took);
    }

    public void End(string phase)
    {
        var now = time.GetTimestamp();
        Add(phase, time.GetElapsedTime(_since, now));
        _since = now;
    }

    public override string ToString() => _text.ToString();
}
