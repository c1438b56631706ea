using System.Globalization;
using Platform.Runtime.Linux.Init;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Linux;

/// <summary>
/// runtime-spec 1.1 (config.md, capabilities): a capability the runtime cannot grant is left out with a warning,
/// not a failure (a runtime in a restricted environment, such as a host without CAP_SYS_RESOURCE). 1.0 configs
/// still get the error that version asks for. Checked on the host so the warning reaches the runtime's log.
/// </summary>
internal static class HeldCapabilities
{
    /// <summary>
    /// What the runtime can hand on: its permitted set, or with a new user namespace its bounding set (the
    /// namespace's root gets every capability the bounding set still has).
    /// </summary>
    public static ulong Read(bool newUserNamespace)
    {
        var field = newUserNamespace ? "CapBnd:" : "CapPrm:";
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return ulong.Parse(line.AsSpan(field.Length).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        throw new RuntimeException(RuntimeErrorKind.HostFailure, $"/proc/self/status has no {field} line");
    }

    /// <summary>Removes from every set of process.capabilities what <paramref name="held"/> lacks.</summary>
    public static void LeaveOutUnheld(RuntimeSpec spec, ulong held, Action<string> warn)
    {
        if (spec.Process?.Capabilities is not { } caps)
        {
            return;
        }

        var strict = !SpecVersion.AtLeast(spec.OciVersion, 1, 1);
        var errors = new List<string>();
        foreach (var (name, set) in new[] { ("bounding", caps.Bounding), ("effective", caps.Effective), ("inheritable", caps.Inheritable), ("permitted", caps.Permitted), ("ambient", caps.Ambient) })
        {
            if (set is null)
            {
                continue;
            }

            for (var i = set.Count - 1; i >= 0; i--)
            {
                var number = CapabilityNames.NumberOf(set[i]);
                if (number < 0 || (held & (1UL << number)) != 0)
                {
                    continue;
                }

                var message = $"process.capabilities.{name}[{i}]: {set[i]} is not held by the runtime";
                if (strict)
                {
                    errors.Add(message);
                    continue;
                }
                warn(message + ", so the container does not get it");
                set.RemoveAt(i);
            }
        }
        if (errors.Count > 0)
        {
            throw new RuntimeException(RuntimeErrorKind.Permission, string.Join("; ", errors) + " (runtime-spec 1.0 makes this an error; from 1.1 it is a warning)");
        }
    }
}
