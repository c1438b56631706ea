using System.Globalization;

namespace Platform.Web.Components.Dashboard;

/// <summary>How the dashboard writes digests, ids, sizes and times: short, and the same everywhere.</summary>
internal static class Format
{
    public static string ShortDigest(string digest)
    {
        var hex = digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest["sha256:".Length..] : digest;
        return hex.Length > 12 ? $"sha256:{hex[..12]}" : digest;
    }

    public static string ShortId(Guid id) => id.ToString("N")[..8];

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0 KiB", CultureInfo.InvariantCulture),
        _ => (bytes / (1024.0 * 1024)).ToString("0.0 MiB", CultureInfo.InvariantCulture),
    };

    /// <summary>How long ago, in the largest whole unit: a heartbeat 3 s old and one 3 h old must look different.</summary>
    public static string Age(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is null)
        {
            return "never";
        }
        var age = now - at.Value;
        return age switch
        {
            { TotalSeconds: < 1 } => "just now",
            { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s ago",
            { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min ago",
            { TotalDays: < 1 } => $"{(int)age.TotalHours} h ago",
            _ => $"{(int)age.TotalDays} d ago",
        };
    }

    public static string Milliseconds(TimeSpan elapsed) => elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Time(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) ?? "";
}
