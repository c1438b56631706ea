using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Platform.Data.Configurations;

/// <summary>
/// Stores a small object graph as one JSON text column: portable across SQLite and PostgreSQL and free of the
/// owned-type limits on dictionaries. Compared by its JSON, so in-place edits are detected.
/// </summary>
internal static class JsonColumn<T> where T : class, new()
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static ValueConverter<T, string> Converter { get; } = new(
        value => JsonSerializer.Serialize(value, Options),
        json => JsonSerializer.Deserialize<T>(json, Options) ?? new T());

    public static ValueComparer<T> Comparer { get; } = new(
        (a, b) => JsonSerializer.Serialize(a, Options) == JsonSerializer.Serialize(b, Options),
        value => JsonSerializer.Serialize(value, Options).GetHashCode(),
        value => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, Options), Options)!);
}
