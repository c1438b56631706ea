using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.EndToEnd.Tests.Fleet;

internal static class Processes
{
    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }

    public static async Task<bool> TryRunAsync(string file, string[] args)
    {
        try
        {
            await RunAsync(file, args, CancellationToken.None);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static Task SignalAsync(int pid, string signal) => TryRunAsync("kill", [$"-{signal}", pid.ToString()]);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
