using System.Net;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;

namespace Platform.Api.Tests;

/// <summary>
/// Correlation ids from a request through the api's messages to the scheduler's commands, and the scheduler's
/// series, with the real api and scheduler over the in-memory bus; a heartbeat stands in for a node agent.
/// </summary>
public sealed class ObservabilityTests
{
    private const string Header = "X-Correlation-Id";

    [Fact]
    public async Task A_valid_incoming_id_is_echoed_and_an_invalid_one_replaced()
    {
        await using var platform = new PlatformFactory();
        HttpClient admin = platform.Admin();

        using var valid = new HttpRequestMessage(HttpMethod.Get, "/v1/tenants");
        valid.Headers.Add(Header, "3f2c9a1e-7b4d-4c55-9e0a-1d2b3c4d5e6f");
        using HttpResponseMessage echoed = await admin.SendAsync(valid);
        Assert.Equal("3f2c9a1e-7b4d-4c55-9e0a-1d2b3c4d5e6f", Assert.Single(echoed.Headers.GetValues(Header)));

        foreach (string invalid in new[] { new string('a', 65), "two words", "<script>", "" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/tenants");
            request.Headers.TryAddWithoutValidation(Header, invalid);
            using HttpResponseMessage replaced = await admin.SendAsync(request);
            string id = Assert.Single(replaced.Headers.GetValues(Header));
            Assert.NotEqual(invalid, id);
            Assert.Matches("^[0-9a-f]{32}$", id);
        }

        // Even an answer the api makes without reaching an endpoint carries one.
        using HttpResponseMessage unauthorized = await platform.WithKey(null).GetAsync("/v1/tenants");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.True(unauthorized.Headers.Contains(Header));
    }

    [Fact]
    public async Task A_deploys_correlation_id_reaches_the_scheduler_and_the_start_it_sends()
    {
        // No reconcile pass after the first: it could place the instance before the deploy's message arrives,
        // and a start from the reconcile loop has no request to be tied to.
        await using var platform = new PlatformFactory(settings: new Dictionary<string, string?> { ["Platform:Scheduler:ReconcileInterval"] = "00:10:00" });
        await platform.CreateTenantAsync("acme");
        var activated = await platform.RecordAsync<FunctionActivated>();
        var starts = await platform.RecordAsync<StartInstance>();
        string node = $"obs-{Guid.NewGuid():N}";
        // A node the scheduler can place on; nothing runs there, the test only watches what the scheduler sends.
        await platform.Services.GetRequiredService<IBus>().Publish(
            new NodeHeartbeat(node, "http://127.0.0.1:9", 4096, 0, 2, [], DateTimeOffset.UtcNow));
        // Registered before the deploy: else the heartbeat, not the deploy, would be what places the instance.
        await WaitForNodeAsync(platform, node);
        await platform.PutFunctionAsync("acme", "traced", new { minInstances = 1 });
        const string placed = "platform_scheduler_placements_total{tenant=\"acme\",function=\"traced\"}";
        double before = (await MetricsScrape.ReadAsync(platform)).Value(placed) ?? 0;

        var content = new ByteArrayContent(TestBundles.Valid());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        using var deploy = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants/acme/functions/traced/versions") { Content = content };
        deploy.Headers.Add(Header, "deploy-42");
        await Expect.StatusAsync(await platform.Admin().SendAsync(deploy), HttpStatusCode.Created);

        var published = await activated.WaitForHeadersAsync(m => m.Function == "traced");
        Assert.Equal("deploy-42", published[Header]);
        // The scheduler consumed FunctionActivated in that id's scope and passes it on to the node it chose.
        var sent = await starts.WaitForHeadersAsync(m => m.NodeId == node);
        Assert.Equal("deploy-42", sent[Header]);
        MetricsScrape metrics = await MetricsScrape.WaitForAsync(platform, placed, before + 1);
        Assert.True(metrics.Value(placed) >= before + 1, "the placement counter did not move");
        Assert.Contains("platform_scheduler_pending_instances", metrics.Text);
    }

    private static async Task WaitForNodeAsync(PlatformFactory platform, string node)
    {
        for (var waited = 0; !(await platform.Admin().GetStringAsync("/v1/nodes")).Contains(node); waited += 50)
        {
            Assert.True(waited < 30_000, $"node {node} never registered");
            await Task.Delay(50);
        }
    }
}
