using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

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

    [Fact]
    public async Task A_validation_problem_names_each_field_and_its_rule()
    {
        await using var api = await LoopbackApi.StartAsync(context =>
            Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["must be lowercase"] }).ExecuteAsync(context));
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => client.CreateTenantAsync("k", "Acme", trusted: true, Cancel));

        Assert.Equal("The API answered 400: name must be lowercase", error.Message);
        Assert.Equal(("/v1/tenants", "Bearer k"), Assert.Single(api.Requests));
    }

    [Fact]
    public async Task A_bundle_is_uploaded_as_the_multipart_field_bundle_with_progress()
    {
        var received = new TaskCompletionSource<byte[]>();
        await using var api = await LoopbackApi.StartAsync(async context =>
        {
            var form = await context.Request.ReadFormAsync();
            using var bytes = new MemoryStream();
            await form.Files["bundle"]!.CopyToAsync(bytes);
            received.SetResult(bytes.ToArray());
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsJsonAsync(new { version = 3, digest = "sha256:ab", size = bytes.Length, active = true });
        });
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);
        var bundle = new byte[200_000];
        Random.Shared.NextBytes(bundle);
        var reported = new List<long>();

        var version = await client.UploadVersionAsync("k", "acme", "hello", new MemoryStream(bundle), "b.tar", new SynchronousProgress(reported.Add), Cancel);

        Assert.Equal(new VersionInfo(3, "sha256:ab", bundle.Length, null), version);
        Assert.Equal(bundle, await received.Task);
        Assert.Equal(bundle.Length, reported[^1]);
        Assert.True(reported.Count > 1, "progress is reported as the bundle goes, not once at the end");
        Assert.Equal("/v1/tenants/acme/functions/hello/versions", Assert.Single(api.Requests).Path);
    }

    [Fact]
    public async Task An_invocation_goes_to_the_gateway_and_any_status_is_a_result()
    {
        await using var api = await LoopbackApi.StartAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            context.Response.ContentType = "text/plain";
            using var reader = new StreamReader(context.Request.Body);
            await context.Response.WriteAsync($"{context.Request.Method} {context.Request.ContentType} {context.Request.Headers["X-Trace"]} {await reader.ReadToEndAsync()}");
        });
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var result = await client.InvokeAsync("k", "acme", "hello",
            new InvocationRequest("POST", "/greet?name=x", [KeyValuePair.Create("Content-Type", "application/json"), KeyValuePair.Create("X-Trace", "7")], "{}"), Cancel);

        Assert.Equal(503, result.Status);
        Assert.Equal("POST application/json 7 {}", result.Body);
        Assert.Contains(KeyValuePair.Create("Retry-After", "5"), result.Headers);
        Assert.False(result.BodyTruncated);
        Assert.True(result.Elapsed > TimeSpan.Zero);
        Assert.Equal(("/fn/acme/hello/greet?name=x", "Bearer k"), Assert.Single(api.Requests));
    }

    [Fact]
    public async Task An_invocation_keeps_an_authorization_header_it_was_given_and_cuts_a_long_body()
    {
        await using var api = await LoopbackApi.StartAsync(context => context.Response.WriteAsync(new string('x', PlatformApiClient.MaxShownBodyChars + 10)));
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var result = await client.InvokeAsync("k", "acme", "hello", new InvocationRequest("GET", "", [KeyValuePair.Create("Authorization", "Bearer other")], ""), Cancel);

        Assert.Equal(200, result.Status);
        Assert.True(result.BodyTruncated);
        Assert.Equal(PlatformApiClient.MaxShownBodyChars, result.Body.Length);
        Assert.Equal(("/fn/acme/hello/", "Bearer other"), Assert.Single(api.Requests));
    }

    [Fact]
    public async Task Logs_are_followed_line_by_line_as_they_arrive()
    {
        var second = new TaskCompletionSource();
        await using var api = await LoopbackApi.StartAsync(async context =>
        {
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.WriteAsync("""{"at":"2025-01-01T00:00:00Z","instanceId":"0f8fad5b-d9cb-469f-a165-70867728950e","stream":"stdout","text":"one"}""" + "\n");
            await context.Response.Body.FlushAsync();
            await second.Task;
            await context.Response.WriteAsync("""{"at":"2025-01-01T00:00:01Z","instanceId":"0f8fad5b-d9cb-469f-a165-70867728950e","stream":"stderr","text":"two"}""" + "\n");
        });
        using var http = new HttpClient();
        var client = new PlatformApiClient(http, api);

        var texts = new List<string>();
        await foreach (var line in client.FollowLogsAsync("k", "acme", "hello", 5, Cancel))
        {
            texts.Add($"{line.Stream}:{line.Text}");
            second.TrySetResult(); // the second line is written only after the first was read: it streamed
        }

        Assert.Equal(["stdout:one", "stderr:two"], texts);
        Assert.Equal("/v1/tenants/acme/functions/hello/logs?tail=5&follow=true", Assert.Single(api.Requests).Path);
    }

    /// <summary>Progress&lt;T&gt; would post to a thread-pool later; the test wants every report in order, now.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>A port that was just free: bound, then released, so a connection to it is refused.</summary>
    private static Uri ClosedLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}/");
    }

    internal sealed class FixedAddress(Uri address) : IApiBaseAddress
    {
        public Uri Resolve() => address;
    }
}
