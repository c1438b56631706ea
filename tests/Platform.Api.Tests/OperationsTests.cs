using System.Net;
using Platform.Api.Tests.Infrastructure;

namespace Platform.Api.Tests;

public sealed class OperationsTests
{
    [Fact]
    public async Task OpenApi_healthz_and_metrics_answer_without_a_key()
    {
        await using var platform = new PlatformFactory();
        using HttpClient anonymous = platform.WithKey(null);
        var openApi = await Expect.JsonAsync(await anonymous.GetAsync("/openapi/v1.json"));
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/v1/tenants/{tenant}/functions/{function}/versions", out _));
        using HttpResponseMessage health = await anonymous.GetAsync("/healthz");
        await Expect.StatusAsync(health, HttpStatusCode.OK);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        // Metrics name every tenant's functions: the admin's only.
        await Expect.ProblemAsync(await anonymous.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.WithKey(await NewTenantKeyAsync(platform)).GetAsync("/metrics"), HttpStatusCode.Forbidden);
        using HttpResponseMessage metrics = await platform.Admin().GetAsync("/metrics");
        await Expect.StatusAsync(metrics, HttpStatusCode.OK);
        Assert.Contains("http_requests_received_total", await metrics.Content.ReadAsStringAsync());
    }

    private static async Task<string> NewTenantKeyAsync(PlatformFactory platform)
    {
        await platform.CreateTenantAsync("metrics-reader");
        return await platform.CreateKeyAsync("metrics-reader");
    }

    [Fact]
    public async Task Unknown_route_under_v1_is_a_problem()
    {
        await using var platform = new PlatformFactory();
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/nothing-here"), HttpStatusCode.NotFound);
    }
}
