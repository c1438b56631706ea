using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;
using Platform.Runtime;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The vertical slice with real containers, as root: deploy the echo sample over HTTP, invoke it through the
/// gateway, deploy v2, roll back to v1, delete the function, and find nothing left behind.
/// </summary>
public sealed class DeployInvokeTests : IAsyncLifetime
{
    private EmbeddedPlatform? _platform;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Deploy_invoke_upgrade_roll_back_and_delete_leave_nothing_behind()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var platform = _platform = EmbeddedPlatform.Start("e2e");
        var v1 = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var v2 = await SampleBundles.BuildEchoAsync(2, platform.Temp.FullName, Ct);

        // A trusted tenant: its functions run in Linux containers.
        var key = await platform.CreateTenantAsync("e2e", trusted: true);
        await platform.DeployAsync("e2e", "echo", key, v1);

        var answer = await platform.InvokeEchoUntilVersionAsync("e2e", "echo", 1);
        Assert.Contains("method=POST", answer);
        Assert.Contains("path=/hello", answer);
        Assert.Contains("query=a=1&b=two", answer);
        Assert.Contains("body=ping from e2e", answer);
        Assert.Contains("kernel=" + File.ReadAllText("/proc/version").Trim(), answer);
        var instance = (await platform.GetJsonAsync("/v1/tenants/e2e/functions/echo/instances", key)).EnumerateArray()
            .Single(i => i.GetProperty("state").GetString() == "running");
        Assert.Equal("container", instance.GetProperty("isolation").GetString());

        await platform.AssertSandboxedAsync("e2e", "echo");

        // Upgrade, then roll back.
        await platform.DeployAsync("e2e", "echo", key, v2);
        await platform.InvokeEchoUntilVersionAsync("e2e", "echo", 2);
        await platform.SendAsync(HttpMethod.Post, "/v1/tenants/e2e/functions/echo/versions/1/activate", key, null, HttpStatusCode.OK);
        await platform.InvokeEchoUntilVersionAsync("e2e", "echo", 1);

        // The instance's output reached the logs endpoint.
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            using var logs = await platform.SendAsync(HttpMethod.Get, "/v1/tenants/e2e/functions/echo/logs?tail=500", key, null);
            return (await logs.Content.ReadAsStringAsync(Ct)).Contains("echo: POST /hello a=1&b=two");
        }, "the function's stderr never reached the logs endpoint");

        // Following the logs: a new invocation's line arrives on the open stream (api → node agent over HTTP).
        using (var follow = new HttpRequestMessage(HttpMethod.Get, "/v1/tenants/e2e/functions/echo/logs?tail=0&follow=true"))
        {
            follow.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var stream = await platform.Http.SendAsync(follow, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal("application/x-ndjson", stream.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(Ct));
            using var invoked = await platform.SendAsync(HttpMethod.Post, "/fn/e2e/echo/cgi-bin/echo/followed", null, new StringContent("x"), HttpStatusCode.OK);
            using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            within.CancelAfter(EmbeddedPlatform.Deadline);
            string? line;
            while ((line = await reader.ReadLineAsync(within.Token)) is not null && !line.Contains("echo: POST /followed"))
            {
            }
            Assert.NotNull(line);
        }

        // The node agent's endpoint answers only to the node token.
        using (var noToken = await platform.SendAsync(HttpMethod.Get, $"/node/functions/{Guid.NewGuid():N}/logs", null, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }
        using (var wrongToken = new HttpRequestMessage(HttpMethod.Get, $"/node/functions/{Guid.NewGuid():N}/logs"))
        {
            wrongToken.Headers.Add(NodeEndpoint.TokenHeader, "pn_wrong");
            using var response = await platform.Http.SendAsync(wrongToken, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Cordon and uncordon go to the scheduler as messages; the api answers with the scheduler's record.
        var nodeId = platform.NodeId;
        using (var cordoned = await platform.SendAsync(HttpMethod.Post, $"/v1/nodes/{nodeId}/cordon", platform.AdminKey, null, HttpStatusCode.OK))
        {
            Assert.True((await cordoned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("cordoned").GetBoolean());
        }
        using (var uncordoned = await platform.SendAsync(HttpMethod.Post, $"/v1/nodes/{nodeId}/uncordon", platform.AdminKey, null, HttpStatusCode.OK))
        {
            Assert.False((await uncordoned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("cordoned").GetBoolean());
        }
        await platform.SendAsync(HttpMethod.Post, "/v1/nodes/no-such-node/cordon", platform.AdminKey, null, HttpStatusCode.NotFound);

        // What runs now: containers, their processes, cgroups and network namespaces.
        var runtime = platform.Get<IContainerRuntime>();
        var containers = await runtime.ListAsync(Ct);
        Assert.NotEmpty(containers);
        var pids = containers.Select(c => c.Pid).Where(p => p > 0).ToList();
        var netns = pids.Select(p => NamespaceOf($"/proc/{p}")).ToHashSet();
        Assert.DoesNotContain(NamespaceOf("/proc/self"), netns);
        Assert.All(netns, ns => Assert.StartsWith("net:[", ns));
        var cgroups = containers.Select(c => $"/sys/fs/cgroup/memory{platform.CgroupParent}/{c.Id}").ToList();
        Assert.Contains(cgroups, Directory.Exists);

        await platform.SendAsync(HttpMethod.Delete, "/v1/tenants/e2e/functions/echo", key, null, HttpStatusCode.NoContent);

        await EmbeddedPlatform.EventuallyAsync(async () => (await runtime.ListAsync(Ct)).Count == 0, "containers are still listed by the runtime");
        await EmbeddedPlatform.EventuallyAsync(() => pids.All(p => !Directory.Exists($"/proc/{p}")), "an instance process is still alive");
        await EmbeddedPlatform.EventuallyAsync(() => !cgroups.Any(Directory.Exists), "an instance cgroup is still there");
        await EmbeddedPlatform.EventuallyAsync(() => !Directory.EnumerateFileSystemEntries(platform.RuntimeRoot).Any(), "the runtime state directory is not empty");
        await EmbeddedPlatform.EventuallyAsync(() => !AnyReference(netns), "an instance network namespace is still referenced");
        using var gone = await platform.SendAsync(HttpMethod.Post, "/fn/e2e/echo/cgi-bin/echo/hello", null, new StringContent("x"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }

    /// <summary>The raw link text of a process's network namespace, e.g. "net:[4026532176]".</summary>
    private static string NamespaceOf(string proc) => new FileInfo(Path.Combine(proc, "ns", "net")).LinkTarget ?? "";

    // A network namespace exists while a process is in it or a file descriptor refers to it.
    private static bool AnyReference(HashSet<string> namespaces)
    {
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (namespaces.Contains(NamespaceOf(proc))
                    || Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd")).Any(fd => namespaces.Contains(new FileInfo(fd).LinkTarget ?? "")))
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process exited while we looked.
            }
        }

        return false;
    }
}
