using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.ColdStart.Bench;

/// <summary>wrk's result: latency percentiles (--latency) in ms and requests per second.</summary>
internal sealed partial record Wrk(double P50, double P99, double RequestsPerSecond)
{
    /// <summary>Runs wrk, inside <paramref name="netnsOfPid"/>'s network namespace when given (nsenter -n).</summary>
    public static async Task<Wrk> RunAsync(string url, int connections, TimeSpan duration, int? netnsOfPid = null)
    {
        string[] wrk = ["wrk", $"-t{Math.Min(connections, 2)}", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency", url];
        string[] command = netnsOfPid is { } pid ? ["nsenter", "-t", pid.ToString(CultureInfo.InvariantCulture), "-n", .. wrk] : wrk;
        var start = new ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || output.Contains("Non-2xx", StringComparison.Ordinal) || output.Contains("Socket errors", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}\n{output}{await process.StandardError.ReadToEndAsync()}");
        }

        return new Wrk(Percentile(output, "50%"), Percentile(output, "99%"),
            double.Parse(RequestsPerSecondLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static double Percentile(string output, string which)
    {
        var match = Regex.Match(output, $@"^\s+{Regex.Escape(which)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecondLine();
}
