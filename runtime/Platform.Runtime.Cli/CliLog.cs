using System.Text;
using System.Text.Json;

namespace Platform.Runtime.Cli;

/// <summary>
/// Errors and warnings: always on stderr, and appended to --log in --log-format (runc's logrus shapes, since
/// shims such as containerd's read the last JSON line of the log file to report why a command failed).
/// </summary>
internal sealed class CliLog(string? path, bool json)
{
    public void Error(RuntimeErrorKind kind, string message) => Write("error", message, CliErrors.For(kind).Name);

    public void Warning(string message) => Write("warning", message, kind: null);

    private void Write(string level, string message, string? kind)
    {
        Console.Error.WriteLine(level == "error" ? message : $"{level}: {message}");
        if (path is null)
        {
            return;
        }

        try
        {
            File.AppendAllText(path, Format(level, message, kind, DateTimeOffset.UtcNow, json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"cannot write log {path}: {e.Message}");
        }
    }

    /// <param name="kind">The error's kind name (<see cref="CliErrors"/>), an extra field as logrus writes them; null for a warning.</param>
    internal static string Format(string level, string message, string? kind, DateTimeOffset time, bool json)
    {
        var stamp = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        if (!json)
        {
            return $"time=\"{stamp}\" level={level} msg={JsonSerializer.Serialize(message, CliJsonContext.Default.String)}{(kind is null ? "" : $" kind={kind}")}\n";
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("level", level);
            writer.WriteString("msg", message);
            if (kind is not null)
            {
                writer.WriteString("kind", kind);
            }

            writer.WriteString("time", stamp);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
