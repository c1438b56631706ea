using System.Net;
using System.Text.Json;
using Platform.Runtime;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Serverless scaling with real containers: a burst of cold requests starts about N / concurrency instances and
/// every request is answered; idle instances stop after <c>idleSeconds</c> down to zero, and the next request
/// starts one again; a traffic split sends each version its share.
/// </summary>
public sealed class ScalingTests : IAsyncLifetime
{
    private EmbeddedPlatform? _platform;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_cold_burst_starts_instances_by_concurrency_and_idle_ones_scale_to_zero()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        // With the node's defaults (the pool on: spares are made after the burst's starts, under its load).
        var platform = _platform = EmbeddedPlatform.Start("scale");
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("scale", trusted: true);
        await platform.DeployAsync("scale", "echo", key, bundle, new { concurrency = 10, maxInstances = 10, idleSeconds = 3, memoryMiB = 64 });
        Assert.Empty(await InstancesAsync(platform, key));

        // 50 concurrent cold requests, concurrency 10: all answered, by about 5 instances (never one each).
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await platform.SendAsync(HttpMethod.Post, $"/fn/scale/echo/cgi-bin/echo/burst{i}", null, new StringContent($"request {i}"));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        }));
        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, $"{(int)a.StatusCode} {a.Body}"));
        Assert.All(answers.Select((a, i) => (a.Body, i)), x => Assert.Contains($"body=request {x.i}", x.Body));
        var started = await InstancesAsync(platform, key);
        Assert.True(started.Count is >= 1 and <= 6, $"{started.Count} instances started: {string.Join("; ", started.Select(i => i.GetRawText()))}");

        // What operators see of it (admin key): the gateway's, scheduler's and node agent's series after the traffic.
        using (var metrics = await platform.SendAsync(HttpMethod.Get, "/metrics", platform.AdminKey, null, HttpStatusCode.OK))
        {
            var text = await metrics.Content.ReadAsStringAsync(Ct);
            foreach (var series in new[]
            {
                "platform_gateway_requests_total{tenant=\"scale\",function=\"echo\",code=\"200\"}",
                "platform_gateway_cold_starts_total{tenant=\"scale\",function=\"echo\"}",
                "platform_gateway_cold_start_first_byte_seconds_count{tenant=\"scale\",function=\"echo\"}",
                "platform_gateway_request_duration_seconds_count{tenant=\"scale\",function=\"echo\"}",
                "platform_scheduler_placements_total{tenant=\"scale\",function=\"echo\"}",
                "platform_node_instances{state=\"running\"}",
                "platform_node_instance_start_duration_seconds_count{isolation=\"container\"}",
                "platform_node_instance_start_phase_duration_seconds_count{phase=\"schedule\"}",
                "platform_node_instance_start_phase_duration_seconds_count{phase=\"ready\"}",
                "platform_node_instance_memory_bytes",
            })
            {
                Assert.True(text.Contains(series, StringComparison.Ordinal), $"/metrics has no {series}");
            }
        }

        // No request for idleSeconds: every instance stops (minInstances 0).
        var seen = started;
        await EmbeddedPlatform.EventuallyAsync(async () => (seen = await InstancesAsync(platform, key))
            .All(i => i.GetProperty("state").GetString() is "stopped"),
            () => $"idle instances never scaled to zero: {string.Join("; ", seen.Select(i => i.GetRawText()))}", TimeSpan.FromSeconds(60));

        // From zero, the next request starts one again.
        var again = await platform.InvokeEchoUntilVersionAsync("scale", "echo", 1);
        Assert.Contains("body=ping from e2e", again);
    }

    [Fact]
    public async Task After_scale_to_zero_the_next_start_takes_the_container_created_ahead_and_another_is_made()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("pool");
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("pool", trusted: true);
        await platform.DeployAsync("pool", "echo", key, bundle, new { idleSeconds = 2, memoryMiB = 64 });
        await platform.InvokeEchoUntilVersionAsync("pool", "echo", 1);

        // Scaled to zero, what stays is one spare: a container of the version created ahead and not started.
        var runtime = platform.Get<IContainerRuntime>();
        await EmbeddedPlatform.EventuallyAsync(async () => (await runtime.ListAsync(Ct)) is [{ Status: "created" }],
            "no single spare container waits once the instance is gone", TimeSpan.FromSeconds(90));
        var spare = Assert.Single(await runtime.ListAsync(Ct));

        // The next request is served by that container, started, and another spare is made behind it.
        Assert.Contains("body=ping from e2e", await platform.InvokeEchoUntilVersionAsync("pool", "echo", 1));
        var serving = Assert.Single((await platform.GetJsonAsync("/v1/tenants/pool/functions/echo/instances", key)).EnumerateArray(),
            i => i.GetProperty("state").GetString() is "running");
        Assert.NotEqual(spare.Id, serving.GetProperty("id").GetString());
        Assert.Equal("running", (await runtime.GetStateAsync(spare.Id, Ct)).Status);
        await EmbeddedPlatform.EventuallyAsync(async () => (await runtime.ListAsync(Ct)).Count(c => c.Status == "created") == 1,
            "no new spare was made after the spare was taken");
    }

    [Fact]
    public async Task A_90_10_traffic_split_sends_each_version_its_share()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("split");
        var key = await platform.CreateTenantAsync("split", trusted: true);
        await platform.DeployAsync("split", "echo", key, await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct), new { memoryMiB = 64 });
        var v2 = new ByteArrayContent(await File.ReadAllBytesAsync(await SampleBundles.BuildEchoAsync(2, platform.Temp.FullName, Ct), Ct));
        v2.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/gzip");
        using (await platform.SendAsync(HttpMethod.Post, "/v1/tenants/split/functions/echo/versions?activate=false", key, v2, HttpStatusCode.Created))
        {
        }
        using (await platform.SendAsync(HttpMethod.Put, "/v1/tenants/split/functions/echo", key,
            System.Net.Http.Json.JsonContent.Create(new { traffic = new Dictionary<string, int> { ["1"] = 90, ["2"] = 10 } }), HttpStatusCode.OK))
        {
        }

        const int requests = 300;
        var versions = new int[3];
        for (var i = 0; i < requests; i++)
        {
            using var response = await platform.SendAsync(HttpMethod.Get, "/fn/split/echo/cgi-bin/echo/split", null, null);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
            versions[body.Contains("version=2\n") ? 2 : 1]++;
        }
        // Binomial(300, 0.1): mean 30, standard deviation 5.2; 8..52 is ±4.2 deviations.
        Assert.InRange(versions[2], 8, 52);
        var serving = (await platform.GetJsonAsync("/v1/tenants/split/functions/echo/instances", key)).EnumerateArray()
            .Where(i => i.GetProperty("state").GetString() == "running").Select(i => i.GetProperty("version").GetInt32()).ToHashSet();
        Assert.Equal([1, 2], serving.Order());
    }

    private static async Task<List<JsonElement>> InstancesAsync(EmbeddedPlatform platform, string key) =>
        (await platform.GetJsonAsync("/v1/tenants/scale/functions/echo/instances", key)).EnumerateArray().ToList();

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
