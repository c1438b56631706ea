using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Platform.Web.Client;

namespace Platform.Web.Tests.Client;

public sealed class PlatformApiClientTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lists_are_read_with_the_key_as_bearer_from_the_tenant_path()
    {
        await using var api = await LoopbackApi.StartAsync(context =>
            context.Response.WriteAsJsonAsync(new object[]
            {
                new { id = "0f8fad5b-d9cb-469f-a165-70867728950e", version = 3, state = "Running", node = "node-1", error = (string?)null, extra = 1 },
            }));
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var instances = await client.ListInstancesAsync("secret-key", "acme", "hello world", Cancel);

        var instance = Assert.Single(instances);
        Assert.Equal(new InstanceInfo(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), 3, "Running", "node-1", null), instance);
        var request = Assert.Single(api.Requests);
        Assert.Equal("/v1/tenants/acme/functions/hello%20world/instances", request.Path);
        Assert.Equal("Bearer secret-key", request.Authorization);
    }

    [Fact]
    public async Task Problem_details_become_the_error_message_with_the_status()
    {
        await using var api = await LoopbackApi.StartAsync(context =>
            Results.Problem(detail: "Tenant 'acme' was not found.", statusCode: 404).ExecuteAsync(context));
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => client.ListFunctionsAsync("k", "acme", Cancel));

        Assert.True(error.IsNotFound);
        Assert.Equal("The API answered 404: Tenant 'acme' was not found.", error.Message);
    }

    [Fact]
    public async Task An_error_without_problem_details_still_names_the_status()
    {
        await using var api = await LoopbackApi.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        });
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => client.ListTenantsAsync("k", Cancel));

        Assert.True(error.IsUnauthorized);
        Assert.StartsWith("The API answered 401", error.Message);
    }

    [Fact]
    public async Task Json_of_another_shape_is_reported_not_thrown_raw()
    {
        await using var api = await LoopbackApi.StartAsync(context => context.Response.WriteAsJsonAsync(new { items = "not a list" }));
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => client.ListTenantsAsync("k", Cancel));

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Contains("does not understand", error.Message);
    }

    [Fact]
    public async Task Nothing_listening_is_reported_as_unreachable()
    {
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, new FixedAddress(ClosedLoopbackPort()));

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => client.ListTenantsAsync("k", Cancel));

        Assert.True(error.IsUnreachable);
        Assert.StartsWith("Could not connect to http://127.0.0.1:", error.Message);
    }

    /// <summary>A port that was just free: bound, then released, so a connection to it is refused.</summary>
    private static Uri ClosedLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
    }

    private sealed class FixedAddress(Uri address) : IApiBaseAddress
    {
        public Uri Resolve() => address;
    }
}
