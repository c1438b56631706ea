using System.Net;
using System.Text.Json;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// What a function's limits do to a hostile or broken function, with real containers: a memory hog is
/// OOM-killed, its instance replaced and the reason reported through the API, and the node stays healthy;
/// and a secret reaches the function's environment, never an answer of the API.
/// (The fork bomb stopped by the pids limit is part of <see cref="EmbeddedPlatform.AssertSandboxedAsync"/>.)
/// </summary>
public sealed class SandboxTests : IAsyncLifetime
{
    private EmbeddedPlatform? _platform;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_memory_hog_is_oom_killed_then_its_instance_is_replaced_and_the_reason_reported()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("oom");
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("oom", trusted: true);
        await platform.DeployAsync("oom", "echo", key, bundle, new { memoryMiB = 32, minInstances = 1 });
        await platform.InvokeEchoUntilVersionAsync("oom", "echo", 1);
        var first = (await InstancesAsync(platform, key)).Single(i => i.GetProperty("state").GetString() == "running").GetProperty("id").GetString();

        // Its status does not matter: the hog dies mid-answer.
        using (await platform.SendAsync(HttpMethod.Get, "/fn/oom/echo/cgi-bin/memhog", null, null))
        {
        }

        JsonElement failed = default;
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            failed = (await InstancesAsync(platform, key)).FirstOrDefault(i => i.GetProperty("id").GetString() == first);
            return failed.ValueKind == JsonValueKind.Object && failed.GetProperty("state").GetString() == "failed";
        }, "the OOM-killed instance was never reported failed");
        Assert.Contains("out of memory", failed.GetProperty("error").GetString());
        Assert.Contains("32 MiB", failed.GetProperty("error").GetString());

        await EmbeddedPlatform.EventuallyAsync(async () => (await InstancesAsync(platform, key))
            .Any(i => i.GetProperty("state").GetString() == "running" && i.GetProperty("id").GetString() != first),
            "no instance replaced the OOM-killed one");
        await platform.InvokeEchoUntilVersionAsync("oom", "echo", 1);
        var node = (await platform.GetJsonAsync("/v1/nodes", platform.AdminKey)).EnumerateArray().Single();
        Assert.Equal("ready", node.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_secret_reaches_the_functions_environment_and_no_api_answer_or_log()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("secret");
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var key = await platform.CreateTenantAsync("oom", trusted: true);
        await platform.DeployAsync("oom", "echo", key, bundle);
        await platform.InvokeEchoUntilVersionAsync("oom", "echo", 1);

        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
        using (await platform.SendAsync(HttpMethod.Put, "/v1/tenants/oom/functions/echo/secrets/ECHO_SECRET", key,
            System.Net.Http.Json.JsonContent.Create(new { value = secret }), HttpStatusCode.OK))
        {
        }

        // The change rolls out as version 2 of the function: its instance sees the secret (the sample prints its digest).
        var answer = "";
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            using var response = await platform.SendAsync(HttpMethod.Post, "/fn/oom/echo/cgi-bin/echo/x", null, new StringContent(""));
            answer = await response.Content.ReadAsStringAsync(Ct);
            return answer.Contains($"secret-sha256={digest}");
        }, "the secret never reached the function's environment");

        foreach (var path in new[] { "", "/secrets", "/versions", "/instances", "/logs?tail=500" })
        {
            using var response = await platform.SendAsync(HttpMethod.Get, $"/v1/tenants/oom/functions/echo{path}", key, null, HttpStatusCode.OK);
            Assert.DoesNotContain(secret, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    private static async Task<List<JsonElement>> InstancesAsync(EmbeddedPlatform platform, string key) =>
        (await platform.GetJsonAsync("/v1/tenants/oom/functions/echo/instances", key)).EnumerateArray().ToList();

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
