using System.Net;
using System.Net.Sockets;

namespace Platform.EndToEnd.Tests.Fleet;

/// <summary>
/// A throwaway RabbitMQ node with its own files (shared/DESIGN.md §3) on a free port of loopback or of the address
/// given (a fleet network's host address); its distribution ports stay on loopback. It can be restarted.
/// </summary>
internal sealed class RabbitMqServer : IAsyncDisposable
{
    public const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private readonly string _dir;
    private readonly Dictionary<string, string> _environment;

    private RabbitMqServer(string dir, IPAddress address, int port)
    {
        _dir = dir;
        Address = address;
        Port = port;
        string name = "rabbit-" + Guid.NewGuid().ToString("N")[..8];
        _environment = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = $"{name}@localhost",
            ["RABBITMQ_NODE_IP_ADDRESS"] = address.ToString(),
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = Processes.FreePort().ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "rabbit.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf"),
            ["HOME"] = dir,
        };
    }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>
    /// A user of its own, as a fleet's broker has: RabbitMQ's built-in guest may only log in over loopback, and
    /// node agents on hosts of their own do not.
    /// </summary>
    public const string Username = "platform";

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N");

    /// <summary>The settings that point a platform process at this broker.</summary>
    public Dictionary<string, string> PlatformSettings => new()
    {
        ["Platform__Bus__Transport"] = "rabbitmq",
        ["Platform__Bus__Host"] = Address.ToString(),
        ["Platform__Bus__Port"] = Port.ToString(),
        ["Platform__Bus__Username"] = Username,
        ["Platform__Bus__Password"] = Password,
    };

    private bool _epmdWasRunning;

    public static async Task<RabbitMqServer> StartAsync(string root, CancellationToken cancellationToken, IPAddress? address = null)
    {
        string dir = Path.Combine(root, "rabbitmq");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "enabled_plugins"), "[].", cancellationToken);
        var server = new RabbitMqServer(dir, address ?? IPAddress.Loopback, Processes.FreePort()) { _epmdWasRunning = await Processes.TryRunAsync("pgrep", ["-x", "epmd"]) };
        // The default user is made at the node's first boot (its database is kept across restarts).
        await File.WriteAllTextAsync(Path.Combine(dir, "rabbitmq.conf"), $"default_user = {Username}\ndefault_pass = {server.Password}\n", cancellationToken);
        await server.StartAsync(cancellationToken);
        return server;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Processes.RunAsync(Server, ["-detached"], cancellationToken, _environment);
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await AcceptsAsync(Address, Port))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"RabbitMQ did not listen on {Port} within 60 s; see {_dir}/log");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>
    /// TERM to the node, and waits until it is gone; KILL after 30 s, since a node still shutting down would make the
    /// next start fail (same node name) and leave the port closed once it goes. Exited is gone: the detached node
    /// may be reparented to the test process (a child subreaper while the runtime library runs in it), which never
    /// reaps it, so its zombie would otherwise be waited on for ever.
    /// </summary>
    public async Task StopAsync()
    {
        string pidFile = _environment["RABBITMQ_PID_FILE"];
        if (!File.Exists(pidFile) || !int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out int pid))
        {
            return;
        }
        await Processes.SignalAsync(pid, "TERM");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (IsRunning(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                await Processes.SignalAsync(pid, "KILL");
            }
            await Task.Delay(100);
        }
        File.Delete(pidFile);
    }

    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces and parentheses, the state follows the last ')'.
    private static bool IsRunning(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task<bool> AcceptsAsync(IPAddress address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // epmd outlives the node; stop it only if this test started it.
        if (!_epmdWasRunning)
        {
            await Processes.TryRunAsync("pkill", ["-x", "epmd"]);
        }
    }
}
