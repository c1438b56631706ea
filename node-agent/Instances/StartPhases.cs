using System.Globalization;
using System.Text;

namespace Platform.NodeAgent.Instances;

/// <summary>The durations of an instance start's steps, for the log line that says it runs ("bundle 3 ms, disk 0 ms, ...").</summary>
internal sealed class StartPhases(TimeProvider time)
{
    private readonly StringBuilder _text = new();
    private long _since = time.GetTimestamp();

    public void End(string phase)
    {
        var now = time.GetTimestamp();
        _text.Append(_text.Length == 0 ? "" : ", ")
            .Append(phase).Append(' ')
            .Append(time.GetElapsedTime(_since, now).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)).Append(" ms");
        _since = now;
    }

    public override string ToString() => _text.ToString();
}
