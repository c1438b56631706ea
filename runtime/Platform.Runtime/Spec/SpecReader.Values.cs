using System.Text;
using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>Tokens, scalars, lists and maps: each Read* parses the value at the reader's current token.</summary>
internal static partial class SpecReader
{
    /// <summary>Advances to the next token (a property's value, an element, or the end of a container).</summary>
    private static ref Utf8JsonReader Next(ref Utf8JsonReader json)
    {
        // With isFinalBlock the reader throws on truncated input; false means only "no more tokens at all".
        if (!json.Read())
        {
            throw new ShapeError(json.BytesConsumed, "unexpected end of the file");
        }

        return ref json;
    }

    /// <summary>Moves to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader json) => Next(ref json).TokenType == JsonTokenType.PropertyName;

    /// <summary>Moves to the next element of the current array; false at its end.</summary>
    private static bool NextElement(ref Utf8JsonReader json) => Next(ref json).TokenType != JsonTokenType.EndArray;

    /// <summary>Whether the current property name is <paramref name="name"/> (case-sensitive, escapes decoded, no allocation).</summary>
    private static bool Is(ref Utf8JsonReader json, ReadOnlySpan<byte> name) => json.ValueTextEquals(name);

    /// <summary>True at the start of an object, false at null; any other value is an error.</summary>
    private static bool AtObject(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.StartObject => true,
        JsonTokenType.Null => false,
        _ => throw Mismatch(ref json, "an object"),
    };

    /// <summary>An array; as the serializer does, a null element of a reference type is kept (the model's annotations notwithstanding).</summary>
    private static List<T>? ReadList<T>(ref Utf8JsonReader json, ValueReader<T> readElement)
    {
        if (json.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (json.TokenType != JsonTokenType.StartArray)
        {
            throw Mismatch(ref json, "an array");
        }

        var list = new List<T>();
        while (NextElement(ref json))
        {
            list.Add(readElement(ref json)!);
        }

        return list;
    }

    private static List<string>? ReadStrings(ref Utf8JsonReader json) => ReadList<string>(ref json, ReadString);

    /// <summary>A string-to-string object; as with the serializer, a null value is kept and the last duplicate key wins.</summary>
    private static Dictionary<string, string>? ReadMap(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var map = new Dictionary<string, string>();
        while (NextProperty(ref json))
        {
            var key = GetString(ref json);
            map[key] = ReadString(ref Next(ref json))!;
        }
        return map;
    }

    private static string? ReadString(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.String => GetString(ref json),
        JsonTokenType.Null => null,
        _ => throw Mismatch(ref json, "a string"),
    };

    private static string GetString(ref Utf8JsonReader json)
    {
        try
        {
            return json.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader checks escape syntax but leaves UTF-8 validity and surrogate pairing to transcoding.
            throw new ShapeError(json.TokenStartIndex, "not valid Unicode (invalid UTF-8 or an unpaired surrogate escape)");
        }
    }

    private static bool ReadBool(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Mismatch(ref json, "true or false"),
    };

    private static bool? ReadNullableBool(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null : ReadBool(ref json);

    private static uint ReadUInt32(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Number && json.TryGetUInt32(out var value) ? value : throw Mismatch(ref json, "an integer from 0 to 4294967295");

    private static uint? ReadNullableUInt32(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null : ReadUInt32(ref json);

    private static int? ReadNullableInt32(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null : ReadInt32(ref json);

    private static int ReadInt32(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Number && json.TryGetInt32(out var value) ? value
        : throw Mismatch(ref json, "an integer from -2147483648 to 2147483647");

    private static ulong ReadUInt64(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Number && json.TryGetUInt64(out var value) ? value : throw Mismatch(ref json, "an integer from 0 to 18446744073709551615");

    private static ulong? ReadNullableUInt64(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null : ReadUInt64(ref json);

    private static long ReadInt64(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Number && json.TryGetInt64(out var value) ? value : throw Mismatch(ref json, "an integer from -9223372036854775808 to 9223372036854775807");

    private static long? ReadNullableInt64(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null : ReadInt64(ref json);

    private static ushort? ReadNullableUInt16(ref Utf8JsonReader json) =>
        json.TokenType == JsonTokenType.Null ? null
        : json.TokenType == JsonTokenType.Number && json.TryGetUInt16(out var value) ? value
        : throw Mismatch(ref json, "an integer from 0 to 65535");

    private static ShapeError Mismatch(ref Utf8JsonReader json, string expected) =>
        new(json.TokenStartIndex, $"expected {expected}, found {Found(ref json)}");

    private static string Found(ref Utf8JsonReader json) => json.TokenType switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.Number when json.ValueSpan.Length <= 40 => Encoding.UTF8.GetString(json.ValueSpan),
        JsonTokenType.Number => "a number",
        _ => json.TokenType.ToString(),
    };

    /// <summary>A section this runtime refuses rather than applies: an object whose contents are skipped; null for JSON null.</summary>
    private static RefusedSection? ReadRefused(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        json.Skip();
        return new RefusedSection();
    }
}
