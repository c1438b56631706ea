using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.EndToEnd.Tests.Fleet;
using Platform.Runtime;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The fleet as an operator runs it: one api, one scheduler and three node agents as separate OS processes
/// (own runtime roots, cgroup parents and data directories) on a real PostgreSQL and RabbitMQ, each node agent on a
/// host of its own: a network namespace on a bridge the test makes (<see cref="FleetNetwork"/>), reaching the api
/// and RabbitMQ at the control plane's address and reached by the gateway at its own. Deploy, spread,
/// invoke and read logs across processes; kill -9 a node agent under a steady request loop and see its
/// instances run elsewhere; drain a node; restart RabbitMQ, kill -9 the api mid async invocation, and lose nothing.
/// </summary>
public sealed class FleetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminKey = "pa_fleet-admin-key-0123456789";
    private const string NodeToken = "pn_fleet-node-token-0123456789";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<PlatformProcess> _processes = [];
    private readonly List<string> _runtimeRoots = [];
    private DirectoryInfo? _temp;
    private PostgresServer? _postgres;
    private RabbitMqServer? _rabbit;
    private FleetNetwork? _network;
    private HttpClient? _http;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Separate_processes_on_postgres_and_rabbitmq_survive_node_loss_drain_and_restarts()
    {
        SkipUnlessFleetCanRun();
        _temp = Directory.CreateTempSubdirectory("platform-fleet-");
        // Instances run as an unprivileged host uid (user namespaces): the node agents' bundle stores must be reachable.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_temp.FullName, (UnixFileMode)0b111_101_101);
        }
        _network = await FleetNetwork.StartAsync(_suffix, Ct);
        Task<PostgresServer> postgres = PostgresServer.StartAsync(_temp.FullName, Ct);
        Task<RabbitMqServer> rabbit = RabbitMqServer.StartAsync(_temp.FullName, Ct, _network.HostAddress);
        _postgres = await postgres;
        _rabbit = await rabbit;
        string bundle = await SampleBundles.BuildEchoAsync(1, _temp.FullName, Ct);

        // The api first: it applies the database migrations.
        PlatformProcess api = Start("api", "api", new() { ["Platform__DataDir"] = Path.Combine(_temp.FullName, "api") }, _network.HostAddress);
        await api.StartAsync(Ct);
        _http = new HttpClient { BaseAddress = api.Url, Timeout = TimeSpan.FromSeconds(90) };
        PlatformProcess scheduler = Start("scheduler", "scheduler", new() { ["Platform__DataDir"] = Path.Combine(_temp.FullName, "scheduler") });
        var nodes = new List<(string Id, PlatformProcess Process)>();
        for (int n = 1; n <= 3; n++)
        {
            nodes.Add(await StartNodeAsync(n, api.Url));
        }
        await Task.WhenAll(nodes.Select(n => n.Process.StartAsync(Ct)).Append(scheduler.StartAsync(Ct)));
        await EventuallyAsync(async () => (await GetJsonAsync("/v1/nodes")).EnumerateArray().Count(n => n.GetProperty("state").GetString() == "ready") == 3,
            "three nodes never registered");

        // Deploy: three instances, spread over the nodes.
        await SendAsync(HttpMethod.Post, "/v1/tenants", JsonContent.Create(new { name = "fleet", trusted = true }), HttpStatusCode.Created);
        await SendAsync(HttpMethod.Put, "/v1/tenants/fleet/functions/echo", JsonContent.Create(new { minInstances = 3, maxInstances = 6, memoryMiB = 64 }));
        var upload = new ByteArrayContent(await File.ReadAllBytesAsync(bundle, Ct));
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        await SendAsync(HttpMethod.Post, "/v1/tenants/fleet/functions/echo/versions", upload, HttpStatusCode.Created);
        List<JsonElement> running = await WaitForRunningAsync(3);
        var used = running.Select(i => i.GetProperty("node").GetString()!).ToHashSet();
        Assert.True(used.Count >= 2, $"three instances on {used.Count} node(s): {string.Join(", ", used)}; all instances: {await GetStringAsync("/v1/tenants/fleet/functions/echo/instances")}");

        // Invoke through the api process; the answer comes from a node process.
        Assert.Contains("version=1", await InvokeAsync());
        await EventuallyAsync(async () => (await GetStringAsync("/v1/tenants/fleet/functions/echo/logs?tail=100")).Contains("echo: GET /steady"),
            "the instances' logs never reached the api from the node processes");

        // kill -9 a node agent that runs an instance while a steady loop invokes the function.
        using var loop = new CancellationTokenSource();
        var counts = new int[2];
        Task steady = SteadyLoopAsync(counts, loop.Token);
        await Task.Delay(1000, Ct);
        string victim = running[0].GetProperty("node").GetString()!;
        var stopwatch = Stopwatch.StartNew();
        nodes.Single(n => n.Id == victim).Process.Kill();
        await EventuallyAsync(async () =>
        {
            var now = await RunningInstancesAsync();
            return now.Count == 3 && now.All(i => i.GetProperty("node").GetString() != victim);
        }, $"the instances of {victim} were not replaced elsewhere");
        TimeSpan replaced = stopwatch.Elapsed;
        await Task.Delay(1000, Ct);
        await loop.CancelAsync();
        await steady;
        double failureRate = (double)counts[1] / Math.Max(1, counts[0] + counts[1]);
        output.WriteLine($"kill -9 of node {victim}: instances running elsewhere after {replaced.TotalSeconds:0.0} s; " +
            $"steady loop: {counts[0]} ok, {counts[1]} failed ({failureRate:P2})");
        Assert.True(replaced < TimeSpan.FromSeconds(10), $"replacing the lost node's instances took {replaced.TotalSeconds:0.0} s");
        // The loop is sequential: at most the one request whose answer was on its way when the node died may be
        // lost (a GET not yet answered goes to another instance; a half-sent answer cannot be taken back). Every
        // request after the kill must succeed.
        Assert.True(counts[1] <= 1, $"{counts[1]} of {counts[0] + counts[1]} invocations failed while a node was lost");

        // Drain a surviving node: its instances move to the other one, and it stays cordoned.
        string drained = nodes.First(n => n.Id != victim).Id;
        await SendAsync(HttpMethod.Post, $"/v1/nodes/{drained}/drain", null, HttpStatusCode.Accepted);
        await EventuallyAsync(async () =>
        {
            var now = await RunningInstancesAsync();
            return now.Count == 3 && now.All(i => i.GetProperty("node").GetString() != drained);
        }, $"the instances of drained node {drained} did not move");
        Assert.True((await GetJsonAsync($"/v1/nodes/{drained}")).GetProperty("cordoned").GetBoolean());
        await SendAsync(HttpMethod.Post, $"/v1/nodes/{drained}/uncordon", null, HttpStatusCode.OK);

        // RabbitMQ restarts: while it is down, running instances still answer (requests never cross the bus); then
        // the processes reconnect, and a new version still deploys and serves.
        await _rabbit.StopAsync();
        Assert.Contains("version=1", await InvokeAsync());
        await _rabbit.StartAsync(Ct);
        string v2 = await SampleBundles.BuildEchoAsync(2, _temp.FullName, Ct);
        var upload2 = new ByteArrayContent(await File.ReadAllBytesAsync(v2, Ct));
        upload2.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        await SendAsync(HttpMethod.Post, "/v1/tenants/fleet/functions/echo/versions", upload2, HttpStatusCode.Created);
        try
        {
            await EventuallyAsync(async () => (await InvokeAsync()).Contains("version=2"), "version 2 never served after RabbitMQ restarted");
        }
        catch (Exception)
        {
            // What each process logged and what the api says of the instances: the diagnosis of a failure here.
            output.WriteLine(await GetStringAsync("/v1/tenants/fleet/functions/echo/instances"));
            foreach (var process in nodes.Select(n => n.Process).Append(scheduler).Append(api))
            {
                output.WriteLine(process.LogTail);
            }
            throw;
        }

        // The api is killed (-9) in the middle of an async invocation's attempt and started again: it keeps no
        // state of its own, so everything is still there and serves at once, and the invocation's claim lapses
        // and its second attempt completes it.
        string location = await QueueAsync("/fn/fleet/echo/cgi-bin/slow?3");
        await EventuallyAsync(async () => (await GetJsonAsync(location)).GetProperty("status").GetString() == "running",
            "the async invocation never started running");
        api.Kill();
        await api.StartAsync(Ct);
        Assert.Contains("version=2", await InvokeAsync());
        Assert.Equal(2, (await GetJsonAsync("/v1/tenants/fleet/functions/echo/versions")).GetArrayLength());
        await EventuallyAsync(async () => (await GetJsonAsync(location)).GetProperty("status").GetString() == "succeeded",
            "the async invocation cut by the api's kill never completed");
        JsonElement invocation = await GetJsonAsync(location);
        output.WriteLine($"async invocation across kill -9 of the api: {invocation}");
        Assert.Equal(2, invocation.GetProperty("attempts").GetInt32());
    }

    private async Task SteadyLoopAsync(int[] counts, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = _http!.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync("/fn/fleet/echo/cgi-bin/echo/steady", cancellationToken);
                Interlocked.Increment(ref counts[response.StatusCode == HttpStatusCode.OK ? 0 : 1]);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    output.WriteLine($"steady loop: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(CancellationToken.None)}");
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException ex)
            {
                Interlocked.Increment(ref counts[1]);
                output.WriteLine($"steady loop: {ex.Message}");
            }
        }
    }

    private PlatformProcess Start(string name, string roles, Dictionary<string, string> settings, IPAddress? address = null, string[]? launcher = null)
    {
        settings["Platform__Roles"] = roles;
        settings["Platform__AdminKey"] = AdminKey;
        settings["Platform__NodeToken"] = NodeToken;
        settings["Platform__Database__Provider"] = "postgres";
        settings["Platform__Database__ConnectionString"] = _postgres!.ConnectionString;
        foreach (var (key, value) in _rabbit!.PlatformSettings)
        {
            settings[key] = value;
        }
        settings["Platform__Node__HeartbeatInterval"] = "00:00:01";
        settings["Platform__Scheduler__NodeTimeout"] = "00:00:03";
        settings["Platform__Scheduler__ReconcileInterval"] = "00:00:01";
        var process = new PlatformProcess(name, Processes.FreePort(), settings, _temp!.FullName, address, launcher);
        _processes.Add(process);
        return process;
    }

    private async Task<(string Id, PlatformProcess Process)> StartNodeAsync(int n, Uri api)
    {
        string id = $"fleet-{_suffix}-n{n}";
        IPAddress address = await _network!.AddNodeAsync(n, Ct);
        string runtimeRoot = Path.Combine(_temp!.FullName, $"run-n{n}");
        _runtimeRoots.Add(runtimeRoot);
        return (id, Start(id, "node", new()
        {
            ["Platform__DataDir"] = Path.Combine(_temp.FullName, $"node{n}"),
            ["Platform__Node__Id"] = id,
            ["Platform__Node__ApiUrl"] = api.AbsoluteUri,
            ["Platform__Node__RuntimeRoot"] = runtimeRoot,
            ["Platform__Node__CgroupParent"] = $"/platform-fleet-{_suffix}-n{n}",
        }, address, _network.NodeCommand(n)));
    }

    private async Task<string> InvokeAsync()
    {
        using HttpResponseMessage response = await _http!.GetAsync("/fn/fleet/echo/cgi-bin/echo/steady", Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"invocation answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>An async invocation (`Prefer: respond-async`): its location.</summary>
    private async Task<string> QueueAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Prefer", "respond-async");
        using HttpResponseMessage response = await _http!.SendAsync(request, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return response.Headers.Location!.OriginalString;
    }

    private async Task<List<JsonElement>> RunningInstancesAsync() =>
        (await GetJsonAsync("/v1/tenants/fleet/functions/echo/instances")).EnumerateArray()
            .Where(i => i.GetProperty("state").GetString() == "running").ToList();

    private async Task<List<JsonElement>> WaitForRunningAsync(int count)
    {
        List<JsonElement> running = [];
        await EventuallyAsync(async () => (running = await RunningInstancesAsync()).Count >= count, $"{count} instances never ran");
        return running;
    }

    private async Task<JsonElement> GetJsonAsync(string path) => JsonDocument.Parse(await GetStringAsync(path)).RootElement.Clone();

    private async Task<string> GetStringAsync(string path)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Get, path, null, HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, HttpStatusCode? expected = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        HttpResponseMessage response = await _http!.SendAsync(request, Ct);
        if (expected is { } status ? response.StatusCode != status : !response.IsSuccessStatusCode)
        {
            Assert.Fail($"{method} {path}: got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
        return response;
    }

    private async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        DateTime deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(failure + "\n" + string.Join("\n", _processes.Select(p => p.LogTail)));
            }
            await Task.Delay(100, Ct);
        }
    }

    private static void SkipUnlessFleetCanRun()
    {
        if (Environment.UserName != "root" || !File.Exists("/bin/busybox"))
        {
            Assert.Skip("needs root and busybox-static for real containers");
        }
        if (PostgresServer.FindBinaries() is null || !File.Exists(RabbitMqServer.Server))
        {
            Assert.Skip("needs PostgreSQL and RabbitMQ (scripts/setup installs them)");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        foreach (PlatformProcess process in _processes)
        {
            await process.DisposeAsync();
        }
        // A node agent killed with -9 left its containers; delete them as its restart would.
        foreach (string root in _runtimeRoots.Where(Directory.Exists))
        {
            var runtime = new ContainerRuntime(new RuntimeOptions { Root = root });
            foreach (var container in await runtime.ListAsync(CancellationToken.None))
            {
                await runtime.DeleteAsync(container.Id, force: true, CancellationToken.None);
            }
        }
        foreach (string parent in Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup") : [])
        {
            foreach (string cgroup in Directory.Exists(parent) ? Directory.EnumerateDirectories(parent, $"platform-fleet-{_suffix}-*") : [])
            {
                try
                {
                    Directory.Delete(cgroup);
                }
                catch (IOException)
                {
                }
            }
        }
        if (_rabbit is not null)
        {
            await _rabbit.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        if (_network is not null)
        {
            await _network.DisposeAsync();
        }
        _temp?.Delete(recursive: true);
    }
}
