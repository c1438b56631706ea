using System.Text;
using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>
/// Names where in config.json an error occurred ("process.args[1]", "annotations['org.example.key']") by reading
/// the bytes again up to that point. Only called on the error path, so <see cref="SpecReader"/> keeps no path
/// while it reads. Indexes count the elements completed before the failing one, as the serializer's paths do.
/// </summary>
internal static class SpecJsonPath
{
    /// <summary>The path of the value whose token starts at <paramref name="offset"/>; null at the top level.</summary>
    public static string? AtToken(ReadOnlySpan<byte> json, long offset) => Walk(json, offset);

    /// <summary>The path being read when the reader found <paramref name="json"/> not to be JSON; null at the top level.</summary>
    public static string? AtSyntaxError(ReadOnlySpan<byte> json) => Walk(json, long.MaxValue);

    private static string? Walk(ReadOnlySpan<byte> json, long stopAt)
    {
        var frames = new List<Frame>();
        var reader = new Utf8JsonReader(json, default(JsonReaderOptions));
        try
        {
            while (reader.Read() && reader.TokenStartIndex < stopAt)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        frames[^1] = frames[^1] with { Name = PropertyName(ref reader) };
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        frames.Add(new Frame(reader.TokenType == JsonTokenType.StartArray, null, 0));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        ValueCompleted(frames);
                        break;
                    default:
                        ValueCompleted(frames);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // The syntax error being located: the frames say where the reader stopped.
        }
        return Format(frames);
    }

    private static void ValueCompleted(List<Frame> frames)
    {
        if (frames.Count == 0)
        {
            return;
        }

        var top = frames[^1];
        frames[^1] = top.IsArray ? top with { Count = top.Count + 1 } : top with { Name = null };
    }

    private static string PropertyName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    private static string? Format(List<Frame> frames)
    {
        var path = new StringBuilder();
        foreach (var frame in frames)
        {
            if (frame.IsArray)
            {
                path.Append('[').Append(frame.Count).Append(']');
            }
            else if (frame.Name is null)
            {
                break;
            }
            else if (IsPlain(frame.Name))
            {
                path.Append(path.Length == 0 ? "" : ".").Append(frame.Name);
            }
            else
            {
                path.Append("['").Append(frame.Name).Append("']");
            }
        }
        return path.Length == 0 ? null : path.ToString();
    }

    /// <summary>A name that reads unambiguously after a dot.</summary>
    private static bool IsPlain(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An open object (with the property being read) or array (with the elements completed so far).</summary>
    private readonly record struct Frame(bool IsArray, string? Name, int Count);
}
