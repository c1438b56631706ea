using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// One test's embedded platform (<see cref="PlatformHost"/>) with its own data directory, runtime root, cgroup
/// parent and node id, and the HTTP steps a tenant takes against it. Disposing it stops the host (which stops
/// every instance) and removes what the test made.
/// </summary>
internal sealed class EmbeddedPlatform : IAsyncDisposable
{
    private static readonly string[] DeniedCalls = ["unshare", "mount", "setns", "ptrace", "module", "raw-socket", "keyring", "settime", "bpf", "perf", "sethostname"];
    private static readonly string[] ReadOnlyPlaces = ["root", "etc", "usr", "var", "sys"];

    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, string> _settings;
    private PlatformHost _host;

    private EmbeddedPlatform(string name, IReadOnlyDictionary<string, string> settings)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        Temp = Directory.CreateTempSubdirectory($"platform-{name}-");
        // Instances run as an unprivileged host uid (user namespaces): the bundle store below must be reachable.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(Temp.FullName, (UnixFileMode)0b111_101_101);
        }
        CgroupParent = $"/platform-{name}-{suffix}";
        NodeId = $"{name}-{suffix}";
        var all = new Dictionary<string, string>
        {
            ["Platform:DataDir"] = Path.Combine(Temp.FullName, "data"),
            ["Platform:AdminKey"] = AdminKey,
            ["Platform:Node:Id"] = NodeId,
            ["Platform:Node:RuntimeRoot"] = RuntimeRoot,
            ["Platform:Node:CgroupParent"] = CgroupParent,
            ["Platform:Node:HeartbeatInterval"] = "00:00:01",
            ["Platform:Scheduler:ReconcileInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        _settings = all;
        _host = new PlatformHost(all);
    }

    public string AdminKey { get; } = "e2e-admin-" + Guid.NewGuid().ToString("N");
    public DirectoryInfo Temp { get; }
    public string RuntimeRoot => Path.Combine(Temp.FullName, "run");
    public string CgroupParent { get; }
    public string NodeId { get; }
    public HttpClient Http { get; private set; } = null!;
    public IServiceProvider Services => _host.Services;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static EmbeddedPlatform Start(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var platform = new EmbeddedPlatform(name, settings ?? new Dictionary<string, string>());
        platform._host.StartServer();
        platform.Http = new HttpClient { BaseAddress = platform._host.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        return platform;
    }

    /// <summary>
    /// Stops the platform (every instance with it) and starts it again on the same data directory, as an operator
    /// restarting `dotnet run --project api` would: what survives is what SQLite and the data directory hold.
    /// </summary>
    public async Task RestartAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
        _host = new PlatformHost(_settings);
        _host.StartServer();
        Http = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
    }

    /// <summary>Creates the tenant (as the admin) and returns a key of it.</summary>
    public async Task<string> CreateTenantAsync(string tenant, bool trusted)
    {
        await SendAsync(HttpMethod.Post, "/v1/tenants", AdminKey, JsonContent.Create(new { name = tenant, trusted }), HttpStatusCode.Created);
        using var created = await SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/keys", AdminKey, JsonContent.Create(new { name = "e2e" }), HttpStatusCode.Created);
        return (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
    }

    /// <summary>Creates (or updates) the function with <paramref name="settings"/> and uploads <paramref name="bundle"/> as its next version.</summary>
    public async Task DeployAsync(string tenant, string function, string key, string bundle, object? settings = null)
    {
        using (var put = await SendAsync(HttpMethod.Put, $"/v1/tenants/{tenant}/functions/{function}", key, JsonContent.Create(settings ?? new { })))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
        }

        var content = new ByteArrayContent(await File.ReadAllBytesAsync(bundle, Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await SendAsync(HttpMethod.Post, $"/v1/tenants/{tenant}/functions/{function}/versions", key, content, HttpStatusCode.Created);
    }

    /// <summary>POSTs to the echo sample through the gateway until version <paramref name="version"/> answers; returns that answer.</summary>
    public async Task<string> InvokeEchoUntilVersionAsync(string tenant, string function, int version, TimeSpan? deadline = null)
    {
        var last = "";
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (DateTime.UtcNow < until)
        {
            using var response = await SendAsync(HttpMethod.Post, $"/fn/{tenant}/{function}/cgi-bin/echo/hello?a=1&b=two", null, new StringContent("ping from e2e"));
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
            if (response.StatusCode == HttpStatusCode.OK && last.Contains($"version={version}\n"))
            {
                return last;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"version {version} of {tenant}/{function} never answered; last answer: {last}");
        return last;
    }

    /// <summary>
    /// The default sandbox, tried from inside the echo sample's <c>/cgi-bin/sandbox</c> (samples/echo/sandbox-probe.c)
    /// as a hostile tenant would: seccomp filter on, no new privileges, root mapped to the node's unprivileged
    /// range; namespace, mount, tracing, module, raw socket, keyring, bpf, perf and clock calls refused; nothing
    /// writable but /tmp; a server on the host's 127.0.0.1 out of reach; a fork bomb stopped by the pids limit.
    /// </summary>
    public async Task AssertSandboxedAsync(string tenant, string function)
    {
        using var hostServer = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        hostServer.Start();
        var port = ((IPEndPoint)hostServer.LocalEndpoint).Port;
        using var probe = await SendAsync(HttpMethod.Get, $"/fn/{tenant}/{function}/cgi-bin/sandbox?{port}", null, null, HttpStatusCode.OK);
        var sandbox = await probe.Content.ReadAsStringAsync(Ct);
        List<string> expected = ["Seccomp:\t2", "NoNewPrivs:\t1", "CapEff:\t00000000000004e0", "write-tmp=allowed"];
        expected.AddRange(DeniedCalls.Select(call => $"{call}=denied: EPERM"));
        // EPERM on a host kernel; our guest kernel has no AF_PACKET at all (EAFNOSUPPORT).
        expected.Add("packet-socket=denied: E");
        expected.AddRange(ReadOnlyPlaces.Select(place => $"write-{place}=denied: EROFS"));
        // /proc/sys is read-only too, but its files belong to the host's root, whom the user namespace does not map.
        expected.Add("write-proc-sys=denied: EACCES");
        // The instance's network namespace has its own loopback: the host's 127.0.0.1 is another machine to it.
        expected.Add("host-loopback=denied: ECONNREFUSED");
        foreach (var line in expected)
        {
            Assert.True(sandbox.Contains(line, StringComparison.Ordinal), $"no \"{line}\" in what {tenant}/{function} saw:\n{sandbox}");
        }

        // Container root is an unprivileged host user of the instance's own range (2,000,000,000 + k × 65536).
        var uidMap = System.Text.RegularExpressions.Regex.Match(sandbox, @"uid_map=0 (\d+) 65536");
        Assert.True(uidMap.Success, $"no uid map:\n{sandbox}");
        Assert.Equal(0, (long.Parse(uidMap.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) - 2_000_000_000) % 65536);

        var forks = System.Text.RegularExpressions.Regex.Match(sandbox, @"forks=(\d+) stopped: EAGAIN");
        Assert.True(forks.Success, $"the fork bomb was not stopped:\n{sandbox}");
        Assert.InRange(int.Parse(forks.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 1024);
        Assert.False(hostServer.Pending(), "a connection from inside the function reached the host's 127.0.0.1");
    }

    public async Task<JsonElement> GetJsonAsync(string path, string key)
    {
        using var response = await SendAsync(HttpMethod.Get, path, key, null, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, HttpContent? content, HttpStatusCode? expected = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var response = await Http.SendAsync(request, Ct);
        if (expected is { } status && response.StatusCode != status)
        {
            Assert.Fail($"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }

        return response;
    }

    public static Task EventuallyAsync(Func<Task<bool>> condition, string failure, TimeSpan? deadline = null) =>
        EventuallyAsync(condition, () => failure, deadline);

    /// <param name="failure">The message when the deadline passes, made then (it may describe what was last seen).</param>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, Func<string> failure, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, failure());
            await Task.Delay(100, Ct);
        }
    }

    public static Task EventuallyAsync(Func<bool> condition, string failure, TimeSpan? deadline = null) =>
        EventuallyAsync(() => Task.FromResult(condition()), failure, deadline);

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        // Host shutdown stops every instance the node agent still runs.
        await _host.DisposeAsync();
        foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup") : [])
        {
            var parent = controller + CgroupParent;
            if (Directory.Exists(parent))
            {
                try
                {
                    Directory.Delete(parent);
                }
                catch (IOException)
                {
                    // Still has children: a leak the test itself reports.
                }
            }
        }

        Temp.Delete(recursive: true);
    }

    /// <summary>Skips unless this process can run real containers: root, busybox-static, the runtime's init binary.</summary>
    public static void SkipUnlessContainersCanRun()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root for real containers");
        }

        if (!File.Exists("/bin/busybox"))
        {
            Assert.Skip("needs busybox-static (scripts/setup installs it)");
        }

        var init = Environment.GetEnvironmentVariable("PLATFORM_RUNTIME_BIN") is { Length: > 0 } bin
            ? bin
            : Path.Combine(SampleBundles.RepoRoot(), "artifacts", "bin", "platform-runtime");
        if (!File.Exists(init))
        {
            Assert.Skip($"needs the runtime's init binary at {init} (scripts/build makes it)");
        }
    }
}
