namespace Platform.Runtime.Linux;

/// <summary>One line of /proc/PID/mountinfo (proc(5)): the fields the runtime uses; <paramref name="Shared"/> from the optional fields.</summary>
internal sealed record MountInfoEntry(string Root, string MountPoint, string MountOptions, string FsType, string Source, string[] SuperOptions, bool Shared)
{
    public static MountInfoEntry? Parse(string line)
    {
        var fields = line.Split(' ');
        var separator = Array.IndexOf(fields, "-");
        if (fields.Length < 10 || separator < 6 || separator + 3 >= fields.Length)
        {
            return null;
        }

        return new MountInfoEntry(
            Unescape(fields[3]), Unescape(fields[4]), fields[5], fields[separator + 1], Unescape(fields[separator + 2]),
            fields[separator + 3].Split(','), fields[6..separator].Any(f => f.StartsWith("shared:", StringComparison.Ordinal)));
    }

    /// <summary>The kernel writes space, tab, newline and backslash in paths as octal escapes (\040).</summary>
    private static string Unescape(string value)
    {
        if (!value.Contains('\\'))
        {
            return value;
        }

        var builder = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 3 < value.Length &&
                value.Substring(i + 1, 3) is var octal && octal.All(c => c is >= '0' and <= '7'))
            {
                builder.Append((char)Convert.ToInt32(octal, 8));
                i += 3;
            }
            else
            {
                builder.Append(value[i]);
            }
        }
        return builder.ToString();
    }
}
