using System.Diagnostics;
using System.Net;

namespace Platform.EndToEnd.Tests.Fleet;

/// <summary>
/// One platform process as an operator runs it in a fleet: <c>dotnet Platform.Api.dll --urls ...</c> with its
/// roles and settings in the environment (<c>Platform__X</c>). Its output goes to a log file for diagnosis. It listens
/// on loopback unless given an address (a node's on the fleet's network), and may be started through a launcher
/// (nsenter into a node's network namespace) that execs it.
/// </summary>
internal sealed class PlatformProcess : IAsyncDisposable
{
    private readonly string _name;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _log;
    private readonly string[] _launcher;
    private Process? _process;

    public PlatformProcess(string name, int port, IReadOnlyDictionary<string, string> environment, string logDirectory, IPAddress? address = null, string[]? launcher = null)
    {
        _name = name;
        Url = new Uri($"http://{address ?? IPAddress.Loopback}:{port}/");
        _environment = environment;
        _log = Path.Combine(logDirectory, name + ".log");
        _launcher = launcher ?? [];
    }

    public Uri Url { get; }

    public int Pid => _process?.Id ?? 0;

    public string LogTail => File.Exists(_log) ? string.Join('\n', File.ReadLines(_log).TakeLast(40)) : "";

    /// <summary>Every line of its log (all its runs) that holds one of <paramref name="words"/>, with the line after each (an exception's message).</summary>
    public string LogLinesWith(params string[] words)
    {
        if (!File.Exists(_log))
        {
            return "";
        }

        var lines = File.ReadAllLines(_log);
        return string.Join('\n', lines.SelectMany((line, i) => words.Any(w => line.Contains(w, StringComparison.Ordinal))
            ? lines.Skip(i).Take(2)
            : []));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Platform.Api.dll");
        string[] command = [.. _launcher, "dotnet", dll, "--urls", Url.AbsoluteUri.TrimEnd('/')];
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        start.Environment["Logging__Console__FormatterName"] = "simple";
        _process = Process.Start(start)!;
        var writer = new StreamWriter(_log, append: true) { AutoFlush = true };
        var gate = new object();
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { writer.WriteLine(e.Data); } } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { writer.WriteLine(e.Data); } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        DateTime deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_name} exited with {_process.ExitCode}:\n{LogTail}");
            }
            try
            {
                using HttpResponseMessage health = await http.GetAsync(new Uri(Url, "healthz"), cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_name} was not healthy within 90 s:\n{LogTail}");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGKILL: the process vanishes as on a crashed host, with no chance to clean up.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, as an orderly restart would: the host shuts down gracefully.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        await Processes.SignalAsync(process.Id, "TERM");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
