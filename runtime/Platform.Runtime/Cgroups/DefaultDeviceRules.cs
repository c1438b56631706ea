using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// Devices every container may use whatever its rules say, appended after the spec's rules as runc does
/// (libcontainer/specconv AllowedDevices): null, zero, full, tty, random, urandom, ptmx, /dev/pts/*, tun.
/// </summary>
internal static class DefaultDeviceRules
{
    public static readonly IReadOnlyList<DeviceCgroup> All =
    [
        Rule("c", null, null, "m"),
        Rule("b", null, null, "m"),
        Rule("c", 1, 3, "rwm"),
        Rule("c", 1, 8, "rwm"),
        Rule("c", 1, 7, "rwm"),
        Rule("c", 5, 0, "rwm"),
        Rule("c", 1, 5, "rwm"),
        Rule("c", 1, 9, "rwm"),
        Rule("c", 5, 2, "rwm"),
        Rule("c", 136, null, "rwm"),
        Rule("c", 10, 200, "rwm"),
    ];

    private static DeviceCgroup Rule(string type, long? major, long? minor, string access) =>
        new() { Allow = true, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>The spec's rules (validated) followed by the defaults.</summary>
    public static List<DeviceCgroup> WithDefaults(List<DeviceCgroup> rules)
    {
        for (int i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            string path = $"linux.resources.devices[{i}]";
            if (rule.Type is not (null or "a" or "c" or "b"))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{path}.type: must be a, c or b, not \"{rule.Type}\"");
            }
            if (rule.Access is { } access && (access.Length == 0 || access.Any(c => c is not ('r' or 'w' or 'm'))))
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{path}.access: must combine r, w and m, not \"{access}\"");
            }
            if (rule.Major < 0 || rule.Minor < 0)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"{path}: major and minor cannot be negative");
            }
        }
        return [.. rules, .. All];
    }

    /// <summary>The devices.allow / devices.deny line: "c 1:3 rwm", with * for any.</summary>
    public static string Format(DeviceCgroup rule)
    {
        string type = rule.Type ?? "a";
        if (type == "a")
        {
            return "a";
        }
        string major = rule.Major is { } ma ? CgroupTree.Format(ma) : "*";
        string minor = rule.Minor is { } mi ? CgroupTree.Format(mi) : "*";
        return $"{type} {major}:{minor} {rule.Access ?? "rwm"}";
    }
}
