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
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly string _adminKey = "e2e-admin-" + Guid.NewGuid().ToString("N");
    private DirectoryInfo? _temp;
    private PlatformHost? _host;
    private HttpClient? _http;

    private string CgroupParent => "/platform-e2e-" + _suffix;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Deploy_invoke_upgrade_roll_back_and_delete_leave_nothing_behind()
    {
        SkipUnlessContainersCanRun();
        _temp = Directory.CreateTempSubdirectory("h5-e2e-");
        var v1 = await SampleBundles.BuildEchoAsync(1, _temp.FullName, Ct);
        var v2 = await SampleBundles.BuildEchoAsync(2, _temp.FullName, Ct);
        var runtimeRoot = Path.Combine(_temp.FullName, "run");
        _host = new PlatformHost(new Dictionary<string, string>
        {
            ["Platform:DataDir"] = Path.Combine(_temp.FullName, "data"),
            ["Platform:AdminKey"] = _adminKey,
            ["Platform:Node:Id"] = "e2e-" + _suffix,
            ["Platform:Node:RuntimeRoot"] = runtimeRoot,
            ["Platform:Node:CgroupParent"] = CgroupParent,
            ["Platform:Node:HeartbeatInterval"] = "00:00:01",
            ["Platform:Scheduler:ReconcileInterval"] = "00:00:01",
        });
        _host.StartServer();
        _http = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };

        // Tenant, key, function, first version.
        await SendAsync(HttpMethod.Post, "/v1/tenants", _adminKey, JsonContent.Create(new { name = "e2e" }), HttpStatusCode.Created);
        using var keyResponse = await SendAsync(HttpMethod.Post, "/v1/tenants/e2e/keys", _adminKey, JsonContent.Create(new { name = "ci" }), HttpStatusCode.Created);
        var key = (await keyResponse.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString()!;
        using var put = await SendAsync(HttpMethod.Put, "/v1/tenants/e2e/functions/echo", key, JsonContent.Create(new { }));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
        await UploadAsync(key, v1);

        var answer = await InvokeUntilVersionAsync(1);
        Assert.Contains("method=POST", answer);
        Assert.Contains("path=/hello", answer);
        Assert.Contains("query=a=1&b=two", answer);
        Assert.Contains("body=ping from e2e", answer);

        // Upgrade, then roll back.
        await UploadAsync(key, v2);
        await InvokeUntilVersionAsync(2);
        await SendAsync(HttpMethod.Post, "/v1/tenants/e2e/functions/echo/versions/1/activate", key, null, HttpStatusCode.OK);
        await InvokeUntilVersionAsync(1);

        // The instance's output reached the logs endpoint.
        await EventuallyAsync(async () =>
        {
            using var logs = await SendAsync(HttpMethod.Get, "/v1/tenants/e2e/functions/echo/logs?tail=500", key, null);
            return (await logs.Content.ReadAsStringAsync(Ct)).Contains("echo: POST /hello a=1&b=two");
        }, "the function's stderr never reached the logs endpoint");

        // Following the logs: a new invocation's line arrives on the open stream (api → node agent over HTTP).
        using (var follow = new HttpRequestMessage(HttpMethod.Get, "/v1/tenants/e2e/functions/echo/logs?tail=0&follow=true"))
        {
            follow.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            using var stream = await _http.SendAsync(follow, HttpCompletionOption.ResponseHeadersRead, Ct);
            Assert.Equal("application/x-ndjson", stream.Content.Headers.ContentType?.MediaType);
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(Ct));
            using var invoked = await SendAsync(HttpMethod.Post, "/fn/e2e/echo/cgi-bin/echo/followed", null, new StringContent("x"), HttpStatusCode.OK);
            using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            within.CancelAfter(Deadline);
            string? line;
            while ((line = await reader.ReadLineAsync(within.Token)) is not null && !line.Contains("echo: POST /followed"))
            {
            }
            Assert.NotNull(line);
        }

        // The node agent's endpoint answers only to the node token.
        using (var noToken = await SendAsync(HttpMethod.Get, $"/node/functions/{Guid.NewGuid():N}/logs", null, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        }
        using (var wrongToken = new HttpRequestMessage(HttpMethod.Get, $"/node/functions/{Guid.NewGuid():N}/logs"))
        {
            wrongToken.Headers.Add(NodeEndpoint.TokenHeader, "pn_wrong");
            using var response = await _http.SendAsync(wrongToken, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Cordon and uncordon go to the scheduler as messages; the api answers with the scheduler's record.
        var nodeId = "e2e-" + _suffix;
        using (var cordoned = await SendAsync(HttpMethod.Post, $"/v1/nodes/{nodeId}/cordon", _adminKey, null, HttpStatusCode.OK))
        {
            Assert.True((await cordoned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("cordoned").GetBoolean());
        }
        using (var uncordoned = await SendAsync(HttpMethod.Post, $"/v1/nodes/{nodeId}/uncordon", _adminKey, null, HttpStatusCode.OK))
        {
            Assert.False((await uncordoned.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("cordoned").GetBoolean());
        }
        await SendAsync(HttpMethod.Post, "/v1/nodes/no-such-node/cordon", _adminKey, null, HttpStatusCode.NotFound);

        // What runs now: containers, their processes, cgroups and network namespaces.
        var runtime = _host.Services.GetRequiredService<IContainerRuntime>();
        var containers = await runtime.ListAsync(Ct);
        Assert.NotEmpty(containers);
        var pids = containers.Select(c => c.Pid).Where(p => p > 0).ToList();
        var netns = pids.Select(p => NamespaceOf($"/proc/{p}")).ToHashSet();
        Assert.DoesNotContain(NamespaceOf("/proc/self"), netns);
        Assert.All(netns, ns => Assert.StartsWith("net:[", ns));
        var cgroups = containers.Select(c => $"/sys/fs/cgroup/memory{CgroupParent}/{c.Id}").ToList();
        Assert.Contains(cgroups, Directory.Exists);

        await SendAsync(HttpMethod.Delete, "/v1/tenants/e2e/functions/echo", key, null, HttpStatusCode.NoContent);

        await EventuallyAsync(async () => (await runtime.ListAsync(Ct)).Count == 0, "containers are still listed by the runtime");
        await EventuallyAsync(() => Task.FromResult(pids.All(p => !Directory.Exists($"/proc/{p}"))), "an instance process is still alive");
        await EventuallyAsync(() => Task.FromResult(!cgroups.Any(Directory.Exists)), "an instance cgroup is still there");
        await EventuallyAsync(() => Task.FromResult(!Directory.EnumerateFileSystemEntries(runtimeRoot).Any()), "the runtime state directory is not empty");
        await EventuallyAsync(() => Task.FromResult(!AnyReference(netns)), "an instance network namespace is still referenced");
        using var gone = await SendAsync(HttpMethod.Post, "/fn/e2e/echo/cgi-bin/echo/hello", null, new StringContent("x"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_host is not null)
        {
            // Host shutdown stops every instance the node agent still runs.
            await _host.DisposeAsync();
        }

        foreach (var controller in Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup") : [])
        {
            var parent = controller + CgroupParent;
            if (Directory.Exists(parent))
            {
                try
                {
                    Directory.Delete(parent);
                }
                catch (IOException)
                {
                    // Still has children: a leak the test itself reports.
                }
            }
        }

        _temp?.Delete(recursive: true);
    }

    private static void SkipUnlessContainersCanRun()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root for real containers");
        }

        if (!File.Exists("/bin/busybox"))
        {
            Assert.Skip("needs busybox-static (scripts/setup installs it)");
        }

        var init = Environment.GetEnvironmentVariable("PLATFORM_RUNTIME_BIN") is { Length: > 0 } bin
            ? bin
            : Path.Combine(SampleBundles.RepoRoot(), "artifacts", "bin", "platform-runtime");
        if (!File.Exists(init))
        {
            Assert.Skip($"needs the runtime's init binary at {init} (scripts/build makes it)");
        }
    }

    private async Task UploadAsync(string key, string bundle)
    {
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(bundle, Ct));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        using var response = await SendAsync(HttpMethod.Post, "/v1/tenants/e2e/functions/echo/versions", key, content, HttpStatusCode.Created);
    }

    private async Task<string> InvokeUntilVersionAsync(int version)
    {
        var last = "";
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await SendAsync(HttpMethod.Post, "/fn/e2e/echo/cgi-bin/echo/hello?a=1&b=two", null, new StringContent("ping from e2e"));
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}";
            if (response.StatusCode == HttpStatusCode.OK && last.Contains($"version={version}\n"))
            {
                return last;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"version {version} never answered; last answer: {last}");
        return last;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, HttpContent? content, HttpStatusCode? expected = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var response = await _http!.SendAsync(request, Ct);
        if (expected is { } status && response.StatusCode != status)
        {
            Assert.Fail($"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }

        return response;
    }

    private async Task EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100, Ct);
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
