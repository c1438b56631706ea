using System.Diagnostics;

namespace Platform.EndToEnd.Tests.Fleet;

/// <summary>A throwaway PostgreSQL 15 cluster on a free loopback port, run as the postgres user (shared/DESIGN.md §3).</summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly string _bin;

    private PostgresServer(string dir, string bin, int port)
    {
        _dir = dir;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=platform";

    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")))
            : null;

    public static async Task<PostgresServer> StartAsync(string root, CancellationToken cancellationToken)
    {
        string bin = FindBinaries() ?? throw new InvalidOperationException("PostgreSQL is not installed (scripts/setup installs it)");
        // The postgres user must reach its directory through the (private) temp root.
        await Processes.RunAsync("chmod", ["o+x", root], cancellationToken);
        string dir = Path.Combine(root, "pg");
        Directory.CreateDirectory(dir);
        await Processes.RunAsync("chown", ["-R", "postgres:postgres", dir], cancellationToken);
        int port = Processes.FreePort();
        var server = new PostgresServer(dir, bin, port);
        await Processes.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", Path.Combine(dir, "data"), "-U", "postgres", "-A", "trust"], cancellationToken);
        await Processes.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"),
            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {dir}", "-w", "start"], cancellationToken);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Processes.RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }
    }
}
