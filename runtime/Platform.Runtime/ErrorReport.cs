using System.Globalization;

namespace Platform.Runtime;

/// <summary>
/// An error as one process of the runtime reports it to another over its channel (the init or the VMM to the
/// host, the guest agent to the VMM): the kind travels with the message, so the host throws what the init threw.
/// </summary>
internal static class ErrorReport
{
    public static string Encode(Exception e) => Encode(RuntimeException.KindOf(e), e.Message);

    public static string Encode(RuntimeErrorKind kind, string message) =>
        $"{((int)kind).ToString(CultureInfo.InvariantCulture)}:{message}";

    /// <summary>The reported error; one without a kind (nothing here sends one, but a stray binary might) is Internal.</summary>
    public static RuntimeException Decode(string report, string prefix = "")
    {
        var colon = report.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(report.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && Enum.IsDefined((RuntimeErrorKind)number))
        {
            return new RuntimeException((RuntimeErrorKind)number, prefix + report[(colon + 1)..]);
        }

        return new RuntimeException(RuntimeErrorKind.Internal, prefix + report);
    }
}
