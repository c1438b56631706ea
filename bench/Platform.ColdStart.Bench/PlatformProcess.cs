using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Platform.ColdStart.Bench;

/// <summary>
/// The embedded platform as `dotnet run --project api` runs it, in its own process with its own data directory,
/// runtime root and cgroup parent, on a free loopback port. Its node agent logs each start's phases; those lines
/// are kept by tenant/function for the breakdown.
/// </summary>
internal sealed partial class PlatformProcess : IAsyncDisposable
{
    private static readonly string[] Configurations = ["Release", "Debug"];

    private readonly Process _process;
    private readonly string _temp;
    private readonly string _cgroupParent;

    private PlatformProcess(Process process, string temp, string cgroupParent, Uri url, string adminKey)
    {
        _process = process;
        _temp = temp;
        _cgroupParent = cgroupParent;
        Url = url;
        AdminKey = adminKey;
    }

    public Uri Url { get; }
    public string AdminKey { get; }

    /// <summary>"tenant/function" → the phases of its last start ("schedule 1 ms, bundle 3 ms, ...").</summary>
    public ConcurrentDictionary<string, string> Phases { get; } = new();

    /// <summary>"tenant/function" → the host pid of its last started instance, to reach it without the gateway.</summary>
    public ConcurrentDictionary<string, int> Pids { get; } = new();

    /// <summary>Its last lines of output, for a failure message.</summary>
    public string Tail => string.Join('\n', _tail);

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    /// <summary>The cgroup its node agent puts instances under ("platform-coldstart-…", below the hierarchy's root).</summary>
    public string CgroupParent => _cgroupParent;

    private readonly ConcurrentQueue<string> _tail = new();

    public static PlatformProcess Start(string repo, IReadOnlyDictionary<string, string>? settings = null)
    {
        var api = Configurations
            .Select(c => Path.Combine(repo, "api", "bin", c, "net10.0", "Platform.Api.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault() ?? throw new InvalidOperationException("build the api first (dotnet build Platform.sln)");
        var temp = Directory.CreateTempSubdirectory("platform-coldstart-").FullName;
        // Made 0700; an instance's mapped root must reach the bundle store below it (node-agent/README.md).
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(temp, (UnixFileMode)0b111_101_101);
        }
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var adminKey = "pa_bench-" + suffix;
        var cgroupParent = "platform-coldstart-" + suffix;
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var start = new ProcessStartInfo("dotnet", [api, "--urls", $"http://127.0.0.1:{port}"])
        {
            // Its content root, as `dotnet run --project api` has it: appsettings.json's log levels apply.
            WorkingDirectory = Path.Combine(repo, "api"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["Platform__DataDir"] = Path.Combine(temp, "data"),
                ["Platform__AdminKey"] = adminKey,
                // Not the host name, which may be no valid node id (the KVM lab's is "(none)").
                ["Platform__Node__Id"] = "coldstart-" + suffix,
                ["Platform__Node__RuntimeRoot"] = Path.Combine(temp, "run"),
                ["Platform__Node__CgroupParent"] = "/" + cgroupParent,
                ["Platform__Node__HeartbeatInterval"] = "00:00:01",
                ["Platform__Node__StartTimeout"] = "00:03:00",
                ["Platform__Gateway__ColdStartTimeout"] = "00:01:00",
                ["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ",
            },
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the platform");
        var platform = new PlatformProcess(process, temp, cgroupParent, new Uri($"http://127.0.0.1:{port}/"), adminKey);
        process.OutputDataReceived += (_, e) => platform.Read(e.Data);
        process.ErrorDataReceived += (_, e) => platform.Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return platform;
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > 40 && _tail.TryDequeue(out _))
        {
        }

        if (RunningLine().Match(line) is { Success: true } match)
        {
            Pids[match.Groups[1].Value] = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Phases[match.Groups[1].Value] = match.Groups[3].Value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // TERM: the host stops every instance on its way out.
            _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        Directory.Delete(_temp, recursive: true);
        // The node agent leaves its cgroup parent (empty once its instances are gone) in every hierarchy.
        foreach (var parent in Directory.EnumerateDirectories("/sys/fs/cgroup").Select(h => Path.Combine(h, _cgroupParent)).Where(Directory.Exists))
        {
            try
            {
                Directory.Delete(parent);
            }
            catch (IOException)
            {
                // Still in use, or already removed through another name of the same hierarchy (cpu and cpu,cpuacct).
            }
        }
    }

    [GeneratedRegex(@" of (\S+/\S+) v\d+ is running in a \w+ \(pid (\d+), [^;]+; (.+)\)")]
    private static partial Regex RunningLine();
}
