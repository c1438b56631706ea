using Platform.EndToEnd.Tests.Fleet;

namespace Platform.Fleet.Bench;

/// <summary>
/// A fleet on this machine as an operator runs one: a throwaway PostgreSQL and RabbitMQ, and platform processes by
/// role (the same binary, `Platform:Roles`), with the fleet tests' helpers.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    public const string AdminKey = "pa_bench-admin-key-0123456789";
    private const string NodeToken = "pn_bench-node-token-0123456789";
    private readonly List<PlatformProcess> _processes = [];

    private Fleet(DirectoryInfo temp, PostgresServer postgres, RabbitMqServer rabbit)
    {
        Temp = temp;
        Postgres = postgres;
        Rabbit = rabbit;
    }

    public DirectoryInfo Temp { get; }
    public PostgresServer Postgres { get; }
    public RabbitMqServer Rabbit { get; }

    public static async Task<Fleet> StartAsync(CancellationToken cancellationToken)
    {
        var temp = Directory.CreateTempSubdirectory("platform-fleet-bench-");
        // Instances run as an unprivileged host uid (user namespaces): node agents' bundle stores must be reachable.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(temp.FullName, (UnixFileMode)0b111_101_101);
        }
        var postgres = PostgresServer.StartAsync(temp.FullName, cancellationToken);
        var rabbit = RabbitMqServer.StartAsync(temp.FullName, cancellationToken);
        return new Fleet(temp, await postgres, await rabbit);
    }

    /// <summary>A started process of <paramref name="roles"/> on PostgreSQL and RabbitMQ (the api's first: it migrates), unless <paramref name="settings"/> say otherwise.</summary>
    public async Task<PlatformProcess> StartAsync(string name, string roles, CancellationToken cancellationToken, Dictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Platform__Roles"] = roles,
            ["Platform__DataDir"] = Path.Combine(Temp.FullName, name),
            ["Platform__AdminKey"] = AdminKey,
            ["Platform__NodeToken"] = NodeToken,
            ["Platform__Database__Provider"] = "postgres",
            ["Platform__Database__ConnectionString"] = Postgres.ConnectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in Rabbit.PlatformSettings)
        {
            environment[key] = value;
        }
        foreach (var (key, value) in settings ?? [])
        {
            // An empty value takes the setting away (the embedded platform has no connection string).
            if (value.Length == 0)
            {
                environment.Remove(key);
            }
            else
            {
                environment[key] = value;
            }
        }
        var process = new PlatformProcess(name, Processes.FreePort(), environment, Temp.FullName);
        _processes.Add(process);
        await process.StartAsync(cancellationToken);
        return process;
    }

    public string LogTails => string.Join("\n", _processes.Select(p => p.LogTail));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.AsEnumerable().Reverse())
        {
            await process.DisposeAsync();
        }
        await Rabbit.DisposeAsync();
        await Postgres.DisposeAsync();
        Temp.Delete(recursive: true);
    }
}
