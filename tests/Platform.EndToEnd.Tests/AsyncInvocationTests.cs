using System.Net;
using System.Text;
using System.Text.Json;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Async invocations (DESIGN §2) with real containers: `Prefer: respond-async` answers 202 with a location, the
/// request runs on an instance with its method, path, query, headers and body, and its answer is kept; a server
/// error is retried with backoff and a lasting one fails after the last attempt; retries pending at a restart
/// of the platform go on after it (a process killed mid-attempt: FleetTests).
/// </summary>
public sealed class AsyncInvocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private EmbeddedPlatform? _platform;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Queued_invocations_run_are_retried_and_survive_a_restart()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("async", new Dictionary<string, string>
        {
            ["Platform:Invocations:RetryDelay"] = "00:00:01",
            ["Platform:Invocations:DispatchInterval"] = "00:00:00.200",
        });
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("async", trusted: true);
        await platform.DeployAsync("async", "echo", key, bundle, new { memoryMiB = 64, @public = false });

        // Queued, run from a cold start, answered; the answer is the function's own, body and all.
        var (location, id) = await QueueAsync(platform, key, HttpMethod.Post, "/fn/async/echo/cgi-bin/echo/path?q=1", "queued body");
        Assert.Equal($"/v1/tenants/async/functions/echo/invocations/{id}", location);
        JsonElement done = await FinishedAsync(platform, key, location);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("attempts").GetInt32());
        JsonElement response = done.GetProperty("response");
        Assert.Equal(200, response.GetProperty("status").GetInt32());
        string body = Encoding.UTF8.GetString(response.GetProperty("body").GetBytesFromBase64());
        Assert.Contains("method=POST", body);
        Assert.Contains("path=/path", body);
        Assert.Contains("query=q=1", body);
        Assert.Contains("body=queued body", body);
        Assert.True(response.GetProperty("headers").TryGetProperty("Content-Type", out _), response.ToString());

        // Another tenant sees nothing of it; a request with no key cannot queue to a keyed function.
        var other = await platform.CreateTenantAsync("async-other", trusted: true);
        using (await platform.SendAsync(HttpMethod.Get, location, other, null, HttpStatusCode.NotFound))
        {
        }
        using (var anonymous = new HttpRequestMessage(HttpMethod.Post, "/fn/async/echo/cgi-bin/echo/x"))
        {
            anonymous.Headers.Add("Prefer", "respond-async");
            using var refused = await platform.Http.SendAsync(anonymous, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // A server error is retried: the second attempt answers.
        (location, _) = await QueueAsync(platform, key, HttpMethod.Get, "/fn/async/echo/cgi-bin/fail-once?retry1", null);
        done = await FinishedAsync(platform, key, location);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(2, done.GetProperty("attempts").GetInt32());
        Assert.Contains("second=retry1", Encoding.UTF8.GetString(done.GetProperty("response").GetProperty("body").GetBytesFromBase64()));

        // A lasting one: its first attempt fails, the platform restarts during the backoff (the in-memory bus
        // loses every message), and the retries still happen after it: failed after the last attempt, with the
        // function's last answer kept.
        (location, _) = await QueueAsync(platform, key, HttpMethod.Get, "/fn/async/echo/cgi-bin/status?503", null);
        await EmbeddedPlatform.EventuallyAsync(async () => await platform.GetJsonAsync(location, key) is var now
            && now.GetProperty("attempts").GetInt32() == 1 && now.GetProperty("status").GetString() == "queued", "the first attempt never failed");
        await platform.RestartAsync();
        done = await FinishedAsync(platform, key, location);
        output.WriteLine($"after the restart: {done}");
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Equal(3, done.GetProperty("attempts").GetInt32());
        Assert.Equal(503, done.GetProperty("response").GetProperty("status").GetInt32());

        // Listed newest first, without bodies.
        JsonElement list = await platform.GetJsonAsync("/v1/tenants/async/functions/echo/invocations?status=failed", key);
        Assert.Equal(location.Split('/')[^1], Assert.Single(list.EnumerateArray()).GetProperty("id").GetString());
        Assert.False(list[0].TryGetProperty("response", out _));
    }

    private static async Task<(string Location, string Id)> QueueAsync(EmbeddedPlatform platform, string key, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body) };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.Add("Prefer", "respond-async");
        using HttpResponseMessage response = await platform.Http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
        Assert.Equal("respond-async", response.Headers.GetValues("Preference-Applied").Single());
        string id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        return (response.Headers.Location!.OriginalString, id);
    }

    private static async Task<JsonElement> FinishedAsync(EmbeddedPlatform platform, string key, string location)
    {
        var until = DateTime.UtcNow + EmbeddedPlatform.Deadline;
        while (true)
        {
            JsonElement last = await platform.GetJsonAsync(location, key);
            if (last.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return last;
            }
            Assert.True(DateTime.UtcNow < until, $"{location} never finished: {last}");
            await Task.Delay(100, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
