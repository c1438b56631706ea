using System.Globalization;
using System.Text;
using Platform.Contracts;

namespace Platform.NodeAgent.Logs;

/// <summary>
/// An instance's log file per stream (<c>stdout.log</c>, <c>stderr.log</c>, rotated once to <c>.1</c>): each line as
/// the function wrote it, after the time the agent read it (ISO 8601, UTC) and a space, as CRI's log files carry
/// theirs. The time is what lets a restarted agent put an adopted instance's earlier lines back into the tail in
/// their order.
/// </summary>
internal static class LogFile
{
    public static void WriteLine(Stream file, DateTimeOffset at, ReadOnlySpan<byte> line)
    {
        Span<byte> stamp = stackalloc byte[40];
        if (!at.UtcDateTime.TryFormat(stamp, out var written, "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture))
        {
            written = 0;
        }

        file.Write(stamp[..written]);
        file.WriteByte((byte)' ');
        file.Write(line);
        file.WriteByte((byte)'\n');
    }

    /// <summary>
    /// The newest <paramref name="max"/> lines of a stream's files (the rotated one first), oldest first. Lines
    /// without a readable time (a file of an older agent) are skipped.
    /// </summary>
    public static List<LogLine> ReadTail(string path, Guid instanceId, string stream, int max)
    {
        var lines = new List<LogLine>();
        foreach (var file in new[] { path + ".1", path }.Where(File.Exists))
        {
            foreach (var text in File.ReadLines(file, Encoding.UTF8))
            {
                var space = text.IndexOf(' ');
                if (space > 0 && DateTime.TryParseExact(text.AsSpan(0, space), "yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
                {
                    var content = text[(space + 1)..];
                    lines.Add(new LogLine(new DateTimeOffset(at, TimeSpan.Zero), instanceId, stream, content.EndsWith('\r') ? content[..^1] : content));
                }
            }
        }

        return lines.Count > max ? lines[^max..] : lines;
    }
}
