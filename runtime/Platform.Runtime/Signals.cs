using System.Globalization;

namespace Platform.Runtime;

/// <summary>Signal names as runc's `kill` accepts them: TERM, SIGTERM, 15, and the real-time RTMIN+n forms.</summary>
public static class Signals
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = Linux.Interop.LinuxConstants.SIGKILL, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28,
        ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31,
    };

    private const int RtMin = 34;
    private const int RtMax = 64;

    public const int Term = 15;

    /// <summary>Parses a signal; throws <see cref="RuntimeException"/> naming the bad value.</summary>
    public static int Parse(string value)
    {
        if (TryParse(value, out var signal))
        {
            return signal;
        }

        throw new RuntimeException(RuntimeErrorKind.InvalidArgument, $"invalid signal \"{value}\" (use a name like TERM or SIGKILL, or a number 1-64)");
    }

    public static bool TryParse(string? value, out int signal)
    {
        signal = 0;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var text = value.Trim();
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out signal))
        {
            return signal is >= 1 and <= RtMax;
        }

        if (text.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            text = text[3..];
        }

        if (Numbers.TryGetValue(text, out signal))
        {
            return true;
        }

        return TryParseRealtime(text, out signal);
    }

    private static bool TryParseRealtime(string text, out int signal)
    {
        signal = 0;
        if (text.Equals("RTMIN", StringComparison.OrdinalIgnoreCase))
        {
            return (signal = RtMin) > 0;
        }

        if (text.Equals("RTMAX", StringComparison.OrdinalIgnoreCase))
        {
            return (signal = RtMax) > 0;
        }

        if (text.StartsWith("RTMIN+", StringComparison.OrdinalIgnoreCase) && int.TryParse(text.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var plus))
        {
            signal = RtMin + plus;
        }
        else if (text.StartsWith("RTMAX-", StringComparison.OrdinalIgnoreCase) && int.TryParse(text.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var minus))
        {
            signal = RtMax - minus;
        }

        return signal is >= RtMin and <= RtMax;
    }
}
