using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;
using Platform.Data;

namespace Platform.Api.Tests;

/// <summary>
/// The async path's wire and limits (`Prefer: respond-async`), against a loopback stand-in node agent
/// (<see cref="EchoNode"/>); real containers, retries and restarts: the end-to-end AsyncInvocationTests.
/// </summary>
public sealed class AsyncInvocationTests
{
    private const string NodeToken = "pn_test-node-token-0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(PlatformFactory Platform, Guid Function)> StartAsync(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Platform:NodeToken"] = NodeToken;
        // "api" only: no scheduler; the tests announce instances themselves.
        var platform = new PlatformFactory(roles: "api", settings: settings);
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        await Expect.StatusAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);
        using var scope = platform.Services.CreateScope();
        Guid function = (await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Functions.SingleAsync(f => f.Name == "hello", Ct)).Id;
        return (platform, function);
    }

    private static HttpRequestMessage Async(HttpMethod method, string path, string prefer = "respond-async") =>
        new(method, path) { Headers = { { "Prefer", prefer } } };

    [Fact]
    public async Task The_queued_request_reaches_the_instance_as_sent_with_its_id_and_no_platform_key()
    {
        EchoNode echo = await EchoNode.StartAsync(NodeToken);
        await using var disposeEcho = echo;
        var (platform, function) = await StartAsync();
        await using var disposePlatform = platform;
        var instance = Guid.NewGuid();
        await platform.Services.GetRequiredService<IBus>().Publish(new InstanceReady(instance, function, 1, "echo", echo.Url.AbsoluteUri, DateTimeOffset.UtcNow), Ct);
        string key = await platform.CreateKeyAsync("acme");

        using var request = Async(HttpMethod.Put, "/fn/acme/hello/some/path?a=1", prefer: "wait=5, respond-async;x=y");
        request.Content = new StringContent("the body", Encoding.UTF8, "text/plain");
        request.Headers.Add("X-Custom", "value");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using HttpResponseMessage accepted = await platform.WithKey(null).SendAsync(request, Ct);
        JsonElement queued = await Expect.JsonAsync(accepted, HttpStatusCode.Accepted);
        string id = queued.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/tenants/acme/functions/hello/invocations/{id}", accepted.Headers.Location!.OriginalString);

        JsonElement done = default;
        for (var waited = 0; done.ValueKind == JsonValueKind.Undefined || done.GetProperty("status").GetString() != "succeeded"; waited += 50)
        {
            Assert.True(waited < 10_000, $"never succeeded: {done}");
            await Task.Delay(50, Ct);
            done = await Expect.JsonAsync(await platform.WithKey(key).GetAsync(accepted.Headers.Location, Ct));
        }
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        JsonElement response = done.GetProperty("response");
        Assert.Equal(200, response.GetProperty("status").GetInt32());
        JsonElement echoed = JsonDocument.Parse(response.GetProperty("body").GetBytesFromBase64()).RootElement;
        Assert.Equal("PUT", echoed.GetProperty("method").GetString());
        Assert.Equal("/some/path", echoed.GetProperty("path").GetString());
        Assert.Equal("?a=1", echoed.GetProperty("query").GetString());
        Assert.Equal("the body", echoed.GetProperty("body").GetString());
        JsonElement headers = echoed.GetProperty("headers");
        Assert.Equal("value", headers.GetProperty("x-custom").GetString());
        Assert.Equal("text/plain; charset=utf-8", headers.GetProperty("content-type").GetString());
        Assert.Equal("/fn/acme/hello", headers.GetProperty("x-forwarded-prefix").GetString());
        Assert.Equal(id, headers.GetProperty("platform-invocation-id").GetString());
        Assert.Equal("1", headers.GetProperty("platform-invocation-attempt").GetString());
        Assert.Equal(accepted.Headers.GetValues("X-Correlation-Id").Single(), headers.GetProperty("x-correlation-id").GetString());
        // The tenant's key is the platform's, never the function's; Prefer was for the gateway.
        Assert.False(headers.TryGetProperty("authorization", out _));
        Assert.False(headers.TryGetProperty("prefer", out _));
        Assert.Equal([instance], echo.RequestedInstances);
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413_and_a_full_queue_is_429_for_that_function()
    {
        var (platform, function) = await StartAsync(new()
        {
            ["Platform:Invocations:MaxBodyBytes"] = "16",
            ["Platform:Invocations:MaxQueuedPerFunction"] = "1",
        });
        await using var disposePlatform = platform;
        HttpClient client = platform.WithKey(null);

        using (var large = Async(HttpMethod.Post, "/fn/acme/hello/"))
        {
            large.Content = new StringContent(new string('x', 17));
            await Expect.ProblemAsync(await client.SendAsync(large, Ct), HttpStatusCode.RequestEntityTooLarge);
        }
        using (var chunked = Async(HttpMethod.Post, "/fn/acme/hello/"))
        {
            // No Content-Length: the limit holds while reading.
            chunked.Content = new StreamContent(new MemoryStream(new byte[17]));
            chunked.Headers.TransferEncodingChunked = true;
            await Expect.ProblemAsync(await client.SendAsync(chunked, Ct), HttpStatusCode.RequestEntityTooLarge);
        }

        // No instance runs: the first waits unfinished, the second finds the queue full.
        await Expect.StatusAsync(await client.SendAsync(Async(HttpMethod.Post, "/fn/acme/hello/"), Ct), HttpStatusCode.Accepted);
        using HttpResponseMessage full = await client.SendAsync(Async(HttpMethod.Post, "/fn/acme/hello/"), Ct);
        await Expect.ProblemAsync(full, HttpStatusCode.TooManyRequests);
        Assert.NotNull(full.Headers.RetryAfter);
        using var scope = platform.Services.CreateScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Invocations.CountAsync(i => i.FunctionId == function, Ct));

        // Another function of the tenant is not held back by this one's queue.
        await platform.PutFunctionAsync("acme", "other");
        await Expect.StatusAsync(await platform.UploadAsync("acme", "other", TestBundles.Valid()), HttpStatusCode.Created);
        await Expect.StatusAsync(await client.SendAsync(Async(HttpMethod.Post, "/fn/acme/other/"), Ct), HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Invocations_are_the_tenants_own_and_bad_queries_are_problems()
    {
        var (platform, _) = await StartAsync();
        await using var disposePlatform = platform;
        using HttpResponseMessage accepted = await platform.WithKey(null).SendAsync(Async(HttpMethod.Get, "/fn/acme/hello/"), Ct);
        await Expect.StatusAsync(accepted, HttpStatusCode.Accepted);
        string location = accepted.Headers.Location!.OriginalString;

        Assert.Equal(HttpStatusCode.OK, (await platform.WithKey(await platform.CreateKeyAsync("acme")).GetAsync(location, Ct)).StatusCode);
        await platform.CreateTenantAsync("rival");
        HttpClient rival = platform.WithKey(await platform.CreateKeyAsync("rival"));
        await Expect.ProblemAsync(await rival.GetAsync(location, Ct), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.Admin().GetAsync($"/v1/tenants/acme/functions/hello/invocations/{Guid.NewGuid()}", Ct), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/invocations?status=done", Ct), HttpStatusCode.BadRequest);
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/invocations?limit=0", Ct), HttpStatusCode.BadRequest);
        JsonElement list = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/invocations", Ct));
        Assert.Equal(location.Split('/')[^1], Assert.Single(list.EnumerateArray()).GetProperty("id").GetString());
    }
}
