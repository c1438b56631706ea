using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Tests;

/// <summary>
/// The gateway over the node wire: a loopback stand-in node agent (<see cref="EchoNode"/>) serves every instance,
/// and the tests announce instances with the scheduler's events, as the scheduler would.
/// </summary>
public sealed class GatewayTests
{
    private static readonly string[] MetricSeries = ["invocations", "perSecond", "errors", "coldStarts", "p50Ms", "p99Ms"];
    private const string NodeToken = "pn_test-node-token-0123456789";

    private static async Task<(PlatformFactory Platform, EchoNode Echo)> StartAsync(string coldStart = "00:00:30")
    {
        EchoNode echo = await EchoNode.StartAsync(NodeToken);
        // "api" only: no scheduler to act on the instance events these tests publish themselves.
        var platform = new PlatformFactory(roles: "api",
            settings: new Dictionary<string, string?>
            {
                ["Platform:Gateway:ColdStartTimeout"] = coldStart,
                ["Platform:NodeToken"] = NodeToken,
            });
        await platform.CreateTenantAsync("acme");
        return (platform, echo);
    }

    private static async Task<Guid> DeployAsync(PlatformFactory platform, string function, object? settings = null)
    {
        await platform.PutFunctionAsync("acme", function, settings);
        await Expect.StatusAsync(await platform.UploadAsync("acme", function, TestBundles.Valid()), HttpStatusCode.Created);
        using var scope = platform.Services.CreateScope();
        return (await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Functions.SingleAsync(f => f.Name == function)).Id;
    }

    /// <summary>Announces a running instance on the echo node, as the scheduler does once a node reports it Running.</summary>
    private static Task<Guid> AddRunningInstanceAsync(PlatformFactory platform, EchoNode node, Guid functionId, int version = 1) =>
        AddRunningInstanceAsync(platform, node.Url, functionId, version);

    private static async Task<Guid> AddRunningInstanceAsync(PlatformFactory platform, Uri node, Guid functionId, int version = 1)
    {
        var instance = Guid.NewGuid();
        var ready = await platform.RecordAsync<InstanceReady>();
        await platform.Services.GetRequiredService<IBus>().Publish(
            new InstanceReady(instance, functionId, version, "echo", node.AbsoluteUri, DateTimeOffset.UtcNow));
        await ready.WaitForAsync(m => m.InstanceId == instance);
        await GatewaySeesAsync(platform, functionId, version, instance, present: true);
        return instance;
    }

    /// <summary>A request that finds no instance waits, asks the scheduler for one, and is served once one starts.</summary>
    private static async Task<HttpResponseMessage> ServeColdAsync(PlatformFactory platform, EchoNode echo, Guid function, string path)
    {
        var requested = await platform.RecordAsync<InstanceRequested>();
        Task<HttpResponseMessage> waiting = platform.WithKey(null).GetAsync(path);
        await requested.WaitForAsync(m => m.FunctionId == function);
        Assert.False(waiting.IsCompleted);
        await AddRunningInstanceAsync(platform, echo, function);
        return await waiting;
    }

    // The recorder's endpoint and the gateway's own get the event independently: wait for the gateway's picture.
    private static async Task GatewaySeesAsync(PlatformFactory platform, Guid functionId, int version, Guid instance, bool present)
    {
        var directory = platform.Services.GetRequiredService<Platform.Api.Gateway.InstanceDirectory>();
        for (var waited = 0; directory.Candidates(functionId, version).Any(i => i.Id == instance) != present; waited += 10)
        {
            Assert.True(waited < 10_000, $"the gateway never saw instance {instance} {(present ? "ready" : "gone")}");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Method_path_query_headers_and_body_reach_the_instance()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        Guid instance = await AddRunningInstanceAsync(platform, echo, function);

        using var request = new HttpRequestMessage(HttpMethod.Put, "/fn/acme/hello/some/path?a=1&b=two%20words")
        {
            Content = new StringContent("the body", Encoding.UTF8, "text/plain"),
        };
        request.Headers.Add("X-Custom", "value");
        using HttpResponseMessage response = await platform.WithKey(null).SendAsync(request);
        var echoed = await Expect.JsonAsync(response);

        Assert.Equal("PUT", echoed.GetProperty("method").GetString());
        Assert.Equal("/some/path", echoed.GetProperty("path").GetString());
        Assert.Equal("?a=1&b=two%20words", echoed.GetProperty("query").GetString());
        Assert.Equal("the body", echoed.GetProperty("body").GetString());
        JsonElement headers = echoed.GetProperty("headers");
        Assert.Equal("value", headers.GetProperty("x-custom").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.Equal("/fn/acme/hello", headers.GetProperty("x-forwarded-prefix").GetString());
        Assert.True(headers.TryGetProperty("x-forwarded-host", out _));
        // The function sees the id the caller can quote from the answer (generated here: the caller sent none).
        Assert.Equal(response.Headers.GetValues("X-Correlation-Id").Single(), headers.GetProperty("x-correlation-id").GetString());
        Assert.Equal([instance], echo.RequestedInstances);

        var root = await Expect.JsonAsync(await platform.WithKey(null).PostAsync("/fn/acme/hello", new StringContent("")));
        Assert.Equal("/", root.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Unknown_function_is_404()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/nope/"), HttpStatusCode.NotFound);
        await platform.PutFunctionAsync("acme", "undeployed");
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/undeployed/"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task No_instance_within_the_cold_start_bound_is_503_with_retry_after_and_requests_one()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        var requested = await platform.RecordAsync<InstanceRequested>();
        Guid function = await DeployAsync(platform, "hello");

        using HttpResponseMessage response = await platform.WithKey(null).GetAsync("/fn/acme/hello/");
        await Expect.ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        await requested.WaitForAsync(m => m.FunctionId == function);
        Assert.Equal(0, echo.Requests);
    }

    [Fact]
    public async Task A_waiting_request_is_served_when_an_instance_starts()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:01:00");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");

        using HttpResponseMessage response = await ServeColdAsync(platform, echo, function, "/fn/acme/hello/cold");
        Assert.Equal("/cold", (await Expect.JsonAsync(response)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Metrics_count_a_functions_requests_cold_starts_and_latency_under_route_templates()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:01:00");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        // A name no other test uses: the registry is shared by every host in this process.
        Guid function = await DeployAsync(platform, "metered");

        (await ServeColdAsync(platform, echo, function, "/fn/acme/metered/first")).EnsureSuccessStatusCode();
        (await platform.WithKey(null).GetAsync("/fn/acme/metered/second")).EnsureSuccessStatusCode();

        const string labels = "tenant=\"acme\",function=\"metered\"";
        MetricsScrape metrics = await MetricsScrape.WaitForAsync(platform, $"platform_gateway_requests_total{{{labels},code=\"200\"}}", 2);
        Assert.Equal(2, metrics.Value($"platform_gateway_requests_total{{{labels},code=\"200\"}}"));
        Assert.Equal(2, metrics.Value($"platform_gateway_request_duration_seconds_count{{{labels}}}"));
        Assert.Equal(1, metrics.Value($"platform_gateway_cold_starts_total{{{labels}}}"));
        Assert.Equal(1, metrics.Value($"platform_gateway_cold_start_wait_seconds_count{{{labels}}}"));
        // The cold start's first byte as its client saw it; the warm second request adds nothing to it.
        Assert.Equal(1, metrics.Value($"platform_gateway_cold_start_first_byte_seconds_count{{{labels}}}"));
        Assert.Equal(0, metrics.Value($"platform_gateway_requests_in_flight{{{labels}}}"));
        // The api's own request series name the route template, never a function's paths.
        Assert.Contains("endpoint=\"/fn/{tenant}/{function}/{**path}\"", metrics.Text);
        Assert.DoesNotContain("/fn/acme/metered", metrics.Text);
    }

    [Fact]
    public async Task Tenant_metrics_show_the_last_hour_per_minute_per_function_and_in_total_to_that_tenant_only()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:01:00");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        await platform.CreateTenantAsync("other");
        string acmeKey = await platform.CreateKeyAsync("acme");
        Guid hello = await DeployAsync(platform, "hello");
        Guid slow = await DeployAsync(platform, "slow", new { timeoutSeconds = 1 });
        await platform.PutFunctionAsync("acme", "quiet");

        (await ServeColdAsync(platform, echo, hello, "/fn/acme/hello/first")).EnsureSuccessStatusCode();
        (await platform.WithKey(null).GetAsync("/fn/acme/hello/second")).EnsureSuccessStatusCode();
        await AddRunningInstanceAsync(platform, echo, slow);
        Assert.Equal(HttpStatusCode.GatewayTimeout, (await platform.WithKey(null).GetAsync("/fn/acme/slow/slow")).StatusCode);

        JsonElement metrics = await Expect.JsonAsync(await platform.WithKey(acmeKey).GetAsync("/v1/tenants/acme/metrics"));
        Assert.Equal("acme", metrics.GetProperty("tenant").GetString());
        Assert.Equal(60, metrics.GetProperty("stepSeconds").GetInt32());
        DateTimeOffset start = metrics.GetProperty("start").GetDateTimeOffset();
        Assert.InRange(DateTimeOffset.UtcNow - start, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.Equal(["hello", "quiet", "slow"], metrics.GetProperty("functions").EnumerateArray().Select(f => f.GetProperty("function").GetString()));

        static JsonElement SeriesOf(JsonElement metrics, string function) =>
            metrics.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("function").GetString() == function).GetProperty("series");
        static long Sum(JsonElement series, string name) => series.GetProperty(name).EnumerateArray().Sum(v => v.GetInt64());
        static List<double> Present(JsonElement series, string name) =>
            series.GetProperty(name).EnumerateArray().Where(v => v.ValueKind != JsonValueKind.Null).Select(v => v.GetDouble()).ToList();

        JsonElement total = metrics.GetProperty("total");
        Assert.All(MetricSeries, name => Assert.Equal(60, total.GetProperty(name).GetArrayLength()));
        Assert.Equal(3, Sum(total, "invocations"));
        Assert.Equal(1, Sum(total, "errors"));
        Assert.Equal(1, Sum(total, "coldStarts"));
        Assert.Equal(2, Sum(SeriesOf(metrics, "hello"), "invocations"));
        Assert.Equal(0, Sum(SeriesOf(metrics, "hello"), "errors"));
        Assert.Equal(1, Sum(SeriesOf(metrics, "hello"), "coldStarts"));
        Assert.Equal(1, Sum(SeriesOf(metrics, "slow"), "errors"));
        Assert.Equal(0, Sum(SeriesOf(metrics, "quiet"), "invocations"));
        Assert.Empty(Present(SeriesOf(metrics, "quiet"), "p99Ms"));
        // The 504 waited out the function's 1 s timeout: the worst minute's p99 shows it (a lower bound only, with
        // room for a timer that fires a little early: no timing).
        Assert.True(Present(SeriesOf(metrics, "slow"), "p99Ms").Max() >= 900, $"slow p99: {string.Join(", ", Present(SeriesOf(metrics, "slow"), "p99Ms"))}");
        Assert.True(Present(total, "p99Ms").Max() >= 900);
        Assert.All(Present(total, "p50Ms"), p50 => Assert.True(p50 > 0));

        // The tenant's own figures only; the admin sees any tenant.
        await Expect.ProblemAsync(await platform.WithKey(acmeKey).GetAsync("/v1/tenants/other/metrics"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/v1/tenants/acme/metrics"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/missing/metrics"), HttpStatusCode.NotFound);
        JsonElement other = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/other/metrics"));
        Assert.Empty(other.GetProperty("functions").EnumerateArray());
        Assert.Equal(0, Sum(other.GetProperty("total"), "invocations"));

        // A function deleted and made again under its name starts from nothing.
        var removed = await platform.RecordAsync<FunctionRemoved>();
        await Expect.StatusAsync(await platform.Admin().DeleteAsync("/v1/tenants/acme/functions/slow"), HttpStatusCode.NoContent);
        await removed.WaitForAsync(m => m.Function == "slow");
        await platform.PutFunctionAsync("acme", "slow");
        for (var waited = 0; ; waited += 10)
        {
            metrics = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/metrics"));
            if (Sum(SeriesOf(metrics, "slow"), "errors") == 0)
            {
                break;
            }
            Assert.True(waited < 10_000, "the deleted function's figures were never forgotten");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.Equal(2, Sum(metrics.GetProperty("total"), "invocations"));
    }

    [Fact]
    public async Task A_cold_start_request_for_an_instance_carries_the_callers_correlation_id()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        var requested = await platform.RecordAsync<InstanceRequested>();
        Guid function = await DeployAsync(platform, "hello");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/fn/acme/hello/");
        request.Headers.Add("X-Correlation-Id", "order-4711.retry:2");
        using HttpResponseMessage response = await platform.WithKey(null).SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("order-4711.retry:2", Assert.Single(response.Headers.GetValues("X-Correlation-Id")));
        var headers = await requested.WaitForHeadersAsync(m => m.FunctionId == function);
        Assert.Equal("order-4711.retry:2", headers["X-Correlation-Id"]);
    }

    [Fact]
    public async Task Instances_of_an_inactive_version_do_not_serve()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        await AddRunningInstanceAsync(platform, echo, function, version: 7);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Function_timeout_is_504()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello", new { timeoutSeconds = 1 });
        await AddRunningInstanceAsync(platform, echo, function);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/slow"), HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task An_answer_still_trickling_at_the_timeout_is_cut_off_and_its_slot_freed()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello", new { timeoutSeconds = 1, concurrency = 1 });
        await AddRunningInstanceAsync(platform, echo, function);

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var client = platform.WithKey(null);
        using (var trickling = await client.GetAsync("/fn/acme/hello/trickle", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, trickling.StatusCode);
            await Assert.ThrowsAnyAsync<Exception>(async () => await trickling.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"cut off only after {started.Elapsed}");

        // The only slot (concurrency 1) is free again.
        await Expect.JsonAsync(await client.GetAsync("/fn/acme/hello/after"));
    }

    [Fact]
    public async Task Keyed_function_needs_a_key_of_its_tenant_which_is_not_forwarded()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        await platform.CreateTenantAsync("globex");
        Guid function = await DeployAsync(platform, "private", new { @public = false });
        await AddRunningInstanceAsync(platform, echo, function);
        string acmeKey = await platform.CreateKeyAsync("acme");
        string globexKey = await platform.CreateKeyAsync("globex");

        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/private/"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.WithKey("pk_wrong").GetAsync("/fn/acme/private/"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.WithKey(globexKey).GetAsync("/fn/acme/private/"), HttpStatusCode.NotFound);
        Assert.Equal(0, echo.Requests);

        var echoed = await Expect.JsonAsync(await platform.WithKey(acmeKey).GetAsync("/fn/acme/private/"));
        Assert.False(echoed.GetProperty("headers").TryGetProperty("authorization", out _));
    }

    [Fact]
    public async Task A_keyed_invocation_checks_its_key_without_the_database_and_a_revoked_key_stops_at_once()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "private", new { @public = false });
        await AddRunningInstanceAsync(platform, echo, function);
        HttpClient admin = platform.Admin();
        async Task<(Guid Id, HttpClient Client)> NewKeyAsync(string name)
        {
            var created = await Expect.JsonAsync(await admin.PostAsJsonAsync("/v1/tenants/acme/keys", new { name }), HttpStatusCode.Created);
            return (created.GetProperty("id").GetGuid(), platform.WithKey(created.GetProperty("key").GetString()));
        }

        // Once confirmed, a key opens the function without the database: its row deleted behind the api's back
        // (no event) does not stop it, while /v1, which reads the database every time, refuses it.
        var (firstId, first) = await NewKeyAsync("first");
        await Expect.JsonAsync(await first.GetAsync("/fn/acme/private/"));
        using (var scope = platform.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().ApiKeys.Where(k => k.Id == firstId)
                .ExecuteDeleteAsync(TestContext.Current.CancellationToken);
        }
        await Expect.JsonAsync(await first.GetAsync("/fn/acme/private/"));
        await Expect.ProblemAsync(await first.GetAsync("/v1/tenants/acme/functions"), HttpStatusCode.Unauthorized);

        // Another api's deletion arrives as its event: the key stops here as soon as it is consumed.
        await platform.Services.GetRequiredService<IBus>().Publish(new ApiKeysRevoked([firstId]), TestContext.Current.CancellationToken);
        for (var waited = 0; (await first.GetAsync("/fn/acme/private/")).StatusCode != HttpStatusCode.Unauthorized; waited += 20)
        {
            Assert.True(waited < 10_000, "the revocation event never reached the gateway's keys");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // Deleted through this api: refused on the very next invocation.
        var (secondId, second) = await NewKeyAsync("second");
        await Expect.JsonAsync(await second.GetAsync("/fn/acme/private/"));
        await Expect.StatusAsync(await admin.DeleteAsync($"/v1/tenants/acme/keys/{secondId}"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await second.GetAsync("/fn/acme/private/"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Public_function_gets_its_own_authorization_header_but_never_a_platform_key()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "open");
        await AddRunningInstanceAsync(platform, echo, function);
        string acmeKey = await platform.CreateKeyAsync("acme");

        var withKey = await Expect.JsonAsync(await platform.WithKey(acmeKey).GetAsync("/fn/acme/open/"));
        Assert.False(withKey.GetProperty("headers").TryGetProperty("authorization", out _));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/fn/acme/open/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "the-functions-own-token");
        var own = await Expect.JsonAsync(await platform.WithKey(null).SendAsync(request));
        Assert.Equal("Bearer the-functions-own-token", own.GetProperty("headers").GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task A_functions_empty_error_response_passes_through_unchanged()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "plain");
        await AddRunningInstanceAsync(platform, echo, function);

        using HttpResponseMessage response = await platform.WithKey(null).GetAsync("/fn/acme/plain/empty-404");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Concurrency_one_holds_a_second_request_until_the_first_finishes()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello", new { concurrency = 1, timeoutSeconds = 3 });
        await AddRunningInstanceAsync(platform, echo, function);

        // The first request occupies the only slot until its 3 s timeout; the second cannot get one within 1 s.
        Task<HttpResponseMessage> slow = platform.WithKey(null).GetAsync("/fn/acme/hello/slow");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (echo.Requests == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, echo.Requests);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
        await Expect.StatusAsync(await slow, HttpStatusCode.GatewayTimeout);
        await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_instance_gone_takes_no_more_requests()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        Guid instance = await AddRunningInstanceAsync(platform, echo, function);
        await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);

        var gone = await platform.RecordAsync<InstanceGone>();
        await platform.Services.GetRequiredService<IBus>().Publish(new InstanceGone(instance, function, "stopped", DateTimeOffset.UtcNow));
        await gone.WaitForAsync(m => m.InstanceId == instance);
        await GatewaySeesAsync(platform, function, 1, instance, present: false);

        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
        Assert.Equal(1, echo.Requests);
    }

    [Fact]
    public async Task A_request_that_waited_for_an_instance_its_tenants_quota_holds_back_is_answered_429()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);

        // As the scheduler leaves it when the tenant's quota is used up (tests/Platform.Scheduler.Tests/TenantQuotaTests.cs).
        using (var scope = platform.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            db.Instances.Add(new Instance { FunctionId = function, VersionNumber = 1, Digest = "sha256:x", Error = Instance.WaitingForQuota + ": tenant 'acme' holds 50 of its 50 instances" });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var problem = await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.TooManyRequests);
        Assert.Equal("Quota exceeded", problem.GetProperty("title").GetString());
        Assert.Contains("holds 50 of its 50 instances", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_instance_its_node_no_longer_has_is_dropped_at_once_and_the_request_goes_elsewhere()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        Guid gone = await AddRunningInstanceAsync(platform, echo, function);
        lock (echo.RequestedInstances)
        {
            echo.Missing.Add(gone);
        }

        // Alone, it cannot serve: the client gets the gateway's 503, never the node's own 404.
        var problem = await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("could take the request", problem.GetProperty("detail").GetString());
        await GatewaySeesAsync(platform, function, 1, gone, present: false);

        // One that is gone, listed before one that serves (so chosen first among equally busy ones): the request
        // is answered by the other.
        Guid goneAgain = await AddRunningInstanceAsync(platform, echo, function);
        lock (echo.RequestedInstances)
        {
            echo.Missing.Add(goneAgain);
        }
        await AddRunningInstanceAsync(platform, echo, function);
        for (var i = 0; i < 4; i++)
        {
            await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);
        }
        await GatewaySeesAsync(platform, function, 1, goneAgain, present: false);
    }

    [Fact]
    public async Task A_request_whose_node_agent_cannot_be_reached_goes_to_another_instance()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:02");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        // A node agent that is gone: nothing listens at its address any more.
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var dead = new Uri($"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}/");
        closed.Stop();
        await AddRunningInstanceAsync(platform, dead, function);
        await AddRunningInstanceAsync(platform, echo, function);

        for (int i = 0; i < 6; i++)
        {
            await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);
        }
        Assert.Equal(6, echo.Requests);
    }

    [Fact]
    public async Task A_get_whose_node_drops_the_connection_before_answering_goes_to_another_instance_but_a_post_does_not()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:02");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        // A node agent killed mid-request: it accepts the connection, reads the request and closes without a word.
        using var dropping = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        dropping.Start();
        using var stop = new CancellationTokenSource();
        var dropped = 0;
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await dropping.AcceptTcpClientAsync(stop.Token);
                _ = await client.GetStream().ReadAsync(new byte[4096], stop.Token); // some of the request: enough to have "sent" it
                Interlocked.Increment(ref dropped);
                client.Client.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }
        });
        await AddRunningInstanceAsync(platform, new Uri($"http://127.0.0.1:{((IPEndPoint)dropping.LocalEndpoint).Port}/"), function);
        await AddRunningInstanceAsync(platform, echo, function);

        for (int i = 0; i < 6; i++)
        {
            await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);
        }
        Assert.Equal(6, echo.Requests);
        Assert.True(dropped > 0, "no request went to the dropping node");

        // A POST may have done its work before the connection broke: never sent twice, a 502 instead.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            statuses.Add((await platform.WithKey(null).PostAsync("/fn/acme/hello/", new StringContent("once"))).StatusCode);
        }
        Assert.Contains(HttpStatusCode.BadGateway, statuses);
        await stop.CancelAsync();
    }
}
