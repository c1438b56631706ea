using System.Text;
using Platform.Runtime.State;

namespace Platform.Runtime.Syscalls;

/// <summary>This process's mounts as /proc/self/mountinfo lists them (proc(5)): mount ID and mount point, in mount order.</summary>
internal static class MountTable
{
    public static IReadOnlyList<HostMount> Parse(string mountinfo)
    {
        var mounts = new List<HostMount>();
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw": ID, parent, dev, root, mount point, ...
            var fields = line.Split(' ');
            if (fields.Length >= 5 && int.TryParse(fields[0], out var id))
            {
                mounts.Add(new HostMount(id, Unescape(fields[4])));
            }
        }
        return mounts;
    }

    /// <summary>The mounts in <paramref name="after"/> that <paramref name="before"/> lacks, at or below <paramref name="dir"/>.</summary>
    public static List<HostMount> AddedUnder(IReadOnlyList<HostMount> before, IReadOnlyList<HostMount> after, string dir)
    {
        var known = before.ToHashSet();
        var prefix = dir.TrimEnd('/') + "/";
        return after.Where(m => !known.Contains(m) && (m.Path == dir.TrimEnd('/') || m.Path.StartsWith(prefix, StringComparison.Ordinal))).ToList();
    }

    /// <summary>The kernel writes space, tab, newline and backslash in a mount point as \ooo octal.</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
