using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;
using Platform.Data;

namespace Platform.Api.Tests;

/// <summary>
/// Traffic splits (`"traffic": {"1": 90, "2": 10}` on PUT of a function): the rules, what ends a split, and the
/// share each version gets at the gateway, against a loopback stand-in node agent (<see cref="EchoNode"/>).
/// </summary>
public sealed class TrafficTests
{
    private const string NodeToken = "pn_test-node-token-0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A function with version 1 active and version 2 uploaded without activation.</summary>
    private static async Task<(PlatformFactory Platform, Guid Function)> StartAsync()
    {
        // "api" only: no scheduler; the tests announce instances themselves.
        var platform = new PlatformFactory(roles: "api", settings: new Dictionary<string, string?> { ["Platform:NodeToken"] = NodeToken });
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        await Expect.StatusAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);
        await Expect.StatusAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid(), query: "?activate=false"), HttpStatusCode.Created);
        using var scope = platform.Services.CreateScope();
        Guid function = (await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Functions.SingleAsync(f => f.Name == "hello", Ct)).Id;
        return (platform, function);
    }

    private static Task<HttpResponseMessage> PutTrafficAsync(PlatformFactory platform, object traffic, object? more = null) =>
        platform.Admin().PutAsJsonAsync("/v1/tenants/acme/functions/hello", more ?? new { traffic }, Ct);

    [Fact]
    public async Task A_split_names_existing_versions_with_percents_summing_to_100_and_activation_ends_it()
    {
        var (platform, _) = await StartAsync();
        await using var disposePlatform = platform;
        var activated = await platform.RecordAsync<FunctionActivated>();

        JsonElement split = await Expect.JsonAsync(await PutTrafficAsync(platform, new Dictionary<string, int> { ["1"] = 90, ["2"] = 10 }));
        Assert.Equal(90, split.GetProperty("traffic").GetProperty("1").GetInt32());
        Assert.Equal(10, split.GetProperty("traffic").GetProperty("2").GetInt32());
        Assert.Equal(1, split.GetProperty("activeVersion").GetInt32());
        await activated.WaitForAsync(m => m.Tenant == "acme" && m.Function == "hello");

        foreach (var (traffic, field) in new (Dictionary<string, int>, string)[]
        {
            (new() { ["1"] = 90, ["2"] = 5 }, "traffic"),
            (new() { ["1"] = 50, ["3"] = 50 }, "traffic.3"),
            (new() { ["one"] = 100 }, "traffic.one"),
            (new() { ["1"] = 150, ["2"] = -50 }, "traffic.1"),
        })
        {
            JsonElement problem = await Expect.ProblemAsync(await PutTrafficAsync(platform, traffic), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{JsonSerializer.Serialize(traffic)}: {problem}");
        }
        // Settings roll out as a new version, which would end the split: not in the same request.
        await Expect.ProblemAsync(await PutTrafficAsync(platform, null!, new { memoryMiB = 256, traffic = new Dictionary<string, int> { ["1"] = 100 } }), HttpStatusCode.BadRequest);
        // Unchanged by the refused requests.
        JsonElement current = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello", Ct));
        Assert.Equal(10, current.GetProperty("traffic").GetProperty("2").GetInt32());

        await Expect.StatusAsync(await platform.Admin().PostAsync("/v1/tenants/acme/functions/hello/versions/2/activate", null, Ct), HttpStatusCode.OK);
        current = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello", Ct));
        Assert.Equal(JsonValueKind.Null, current.GetProperty("traffic").ValueKind);
        Assert.Equal(2, current.GetProperty("activeVersion").GetInt32());

        // {} ends a split too.
        await Expect.StatusAsync(await PutTrafficAsync(platform, new Dictionary<string, int> { ["1"] = 50, ["2"] = 50 }), HttpStatusCode.OK);
        current = await Expect.JsonAsync(await PutTrafficAsync(platform, new Dictionary<string, int>()));
        Assert.Equal(JsonValueKind.Null, current.GetProperty("traffic").ValueKind);
    }

    [Fact]
    public async Task The_gateway_sends_each_version_its_share()
    {
        EchoNode echo = await EchoNode.StartAsync(NodeToken);
        await using var disposeEcho = echo;
        var (platform, function) = await StartAsync();
        await using var disposePlatform = platform;
        await Expect.StatusAsync(await PutTrafficAsync(platform, new Dictionary<string, int> { ["1"] = 90, ["2"] = 10 }), HttpStatusCode.OK);
        var v1 = Guid.NewGuid();
        var v2 = Guid.NewGuid();
        var ready = await platform.RecordAsync<InstanceReady>();
        foreach (var (instance, version) in new[] { (v1, 1), (v2, 2) })
        {
            await platform.Services.GetRequiredService<IBus>().Publish(new InstanceReady(instance, function, version, "echo", echo.Url.AbsoluteUri, DateTimeOffset.UtcNow), Ct);
            await ready.WaitForAsync(m => m.InstanceId == instance);
        }
        var directory = platform.Services.GetRequiredService<Platform.Api.Gateway.InstanceDirectory>();
        for (var waited = 0; directory.Candidates(function, 2).Count == 0 || directory.Candidates(function, 1).Count == 0; waited += 10)
        {
            Assert.True(waited < 10_000, "the gateway never saw both instances");
            await Task.Delay(10, Ct);
        }

        HttpClient client = platform.WithKey(null);
        const int requests = 1000;
        for (var i = 0; i < requests; i++)
        {
            await Expect.StatusAsync(await client.GetAsync("/fn/acme/hello/", Ct), HttpStatusCode.OK);
        }
        int second;
        lock (echo.RequestedInstances)
        {
            second = echo.RequestedInstances.Count(id => id == v2);
        }
        // Binomial(1000, 0.1): mean 100, standard deviation 9.5; ±4.2 deviations fails once in 40000 runs.
        Assert.InRange(second, 60, 140);
        Assert.Equal(requests, echo.RequestedInstances.Count);
    }
}
