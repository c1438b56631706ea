namespace Platform.Web.Components.Functions;

/// <summary>The invoke console's headers box: one <c>Name: value</c> per line, blank lines ignored.</summary>
internal static class HeaderLines
{
    /// <returns>The headers, or null with <paramref name="error"/> naming the first line that is not a header.</returns>
    public static IReadOnlyList<KeyValuePair<string, string>>? Parse(string? text, out string? error)
    {
        error = null;
        var headers = new List<KeyValuePair<string, string>>();
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var colon = line.IndexOf(':');
            var name = colon > 0 ? line[..colon].Trim() : "";
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                error = $"Header line {i + 1} is not 'Name: value'.";
                return null;
            }
            headers.Add(KeyValuePair.Create(name, line[(colon + 1)..].Trim()));
        }
        return headers;
    }

    /// <summary>RFC 9110 token characters: what a header name may hold.</summary>
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
