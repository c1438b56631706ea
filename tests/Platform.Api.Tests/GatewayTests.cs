using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;
using Platform.Data;
using Platform.Data.Entities;

namespace Platform.Api.Tests;

/// <summary>The gateway with a fake connector in front of a loopback echo server standing in for an instance.</summary>
public sealed class GatewayTests
{
    private static async Task<(PlatformFactory Platform, EchoInstance Echo)> StartAsync(string coldStart = "00:00:30")
    {
        EchoInstance echo = await EchoInstance.StartAsync();
        // "api" only: no scheduler to act on the instance rows these tests write themselves.
        var platform = new PlatformFactory(roles: "api",
            settings: new Dictionary<string, string?> { ["Platform:Gateway:ColdStartTimeout"] = coldStart },
            services: s => s.AddSingleton<IInstanceConnector>(echo));
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

    private static async Task<Guid> AddRunningInstanceAsync(PlatformFactory platform, Guid functionId, int version = 1)
    {
        using var scope = platform.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
        var instance = new Instance { FunctionId = functionId, VersionNumber = version, Digest = "sha256:x", NodeId = "test", State = InstanceState.Running };
        db.Instances.Add(instance);
        await db.SaveChangesAsync();
        return instance.Id;
    }

    [Fact]
    public async Task Method_path_query_headers_and_body_reach_the_instance()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        Guid instance = await AddRunningInstanceAsync(platform, function);

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
        Assert.Equal([instance], echo.ConnectedInstances);

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
        Assert.Equal(0, echo.Connects);
    }

    [Fact]
    public async Task A_waiting_request_is_served_when_an_instance_starts()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:01:00");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        var requested = await platform.RecordAsync<InstanceRequested>();
        Guid function = await DeployAsync(platform, "hello");

        Task<HttpResponseMessage> waiting = platform.WithKey(null).GetAsync("/fn/acme/hello/cold");
        await requested.WaitForAsync(m => m.FunctionId == function);
        Assert.False(waiting.IsCompleted);
        await AddRunningInstanceAsync(platform, function);

        using HttpResponseMessage response = await waiting;
        Assert.Equal("/cold", (await Expect.JsonAsync(response)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Instances_of_an_inactive_version_do_not_serve()
    {
        var (platform, echo) = await StartAsync(coldStart: "00:00:01");
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello");
        await AddRunningInstanceAsync(platform, function, version: 7);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Function_timeout_is_504()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "hello", new { timeoutSeconds = 1 });
        await AddRunningInstanceAsync(platform, function);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/slow"), HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task Keyed_function_needs_a_key_of_its_tenant_which_is_not_forwarded()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        await platform.CreateTenantAsync("globex");
        Guid function = await DeployAsync(platform, "private", new { @public = false });
        await AddRunningInstanceAsync(platform, function);
        string acmeKey = await platform.CreateKeyAsync("acme");
        string globexKey = await platform.CreateKeyAsync("globex");

        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/private/"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.WithKey("pk_wrong").GetAsync("/fn/acme/private/"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.WithKey(globexKey).GetAsync("/fn/acme/private/"), HttpStatusCode.NotFound);
        Assert.Equal(0, echo.Connects);

        var echoed = await Expect.JsonAsync(await platform.WithKey(acmeKey).GetAsync("/fn/acme/private/"));
        Assert.False(echoed.GetProperty("headers").TryGetProperty("authorization", out _));
    }

    [Fact]
    public async Task Public_function_gets_its_own_authorization_header_but_never_a_platform_key()
    {
        var (platform, echo) = await StartAsync();
        await using var disposePlatform = platform;
        await using var disposeEcho = echo;
        Guid function = await DeployAsync(platform, "open");
        await AddRunningInstanceAsync(platform, function);
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
        await AddRunningInstanceAsync(platform, function);

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
        await AddRunningInstanceAsync(platform, function);

        // The first request occupies the only slot until its 3 s timeout; the second cannot get one within 1 s.
        Task<HttpResponseMessage> slow = platform.WithKey(null).GetAsync("/fn/acme/hello/slow");
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (echo.Connects == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(1, echo.Connects);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.ServiceUnavailable);
        await Expect.StatusAsync(await slow, HttpStatusCode.GatewayTimeout);
        await Expect.StatusAsync(await platform.WithKey(null).GetAsync("/fn/acme/hello/"), HttpStatusCode.OK);
    }
}
