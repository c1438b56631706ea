using System.Globalization;

namespace Platform.Runtime.Spec;

/// <summary>The config's ociVersion, where a rule of runtime-spec depends on it.</summary>
internal static class SpecVersion
{
    /// <summary>Whether <paramref name="ociVersion"/> is at least major.minor (false when it cannot be read).</summary>
    public static bool AtLeast(string? ociVersion, int major, int minor)
    {
        var parts = (ociVersion ?? "").Split('.', 3);
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var actualMajor)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var actualMinor)
            && (actualMajor, actualMinor).CompareTo((major, minor)) >= 0;
    }
}
