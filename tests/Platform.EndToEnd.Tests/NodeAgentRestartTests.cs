using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.EndToEnd.Tests.Fleet;
using Platform.Runtime;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The platform as `dotnet run --project api` runs it, as its own OS process: killed with -9 and started again
/// on the same data directory and runtime root, its node agent adopts the instance that kept running (same
/// instance, same process, no cold start) and its output reaches the logs again, after its earlier lines; a
/// container, and in the KVM lab a microVM (its VMM process, reached again through its vsock socket).
/// </summary>
public sealed class NodeAgentRestartTests : IAsyncLifetime
{
    private const string AdminKey = "pa_restart-admin-key-0123456789";
    private DirectoryInfo? _temp;
    private PlatformProcess? _platform;
    private HttpClient? _http;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public Task A_node_agent_killed_and_started_again_adopts_the_container_that_kept_running() => AdoptsAfterRestartAsync(microVm: false);

    [Fact]
    [Trait("Requires", "kvm")]
    public Task A_node_agent_killed_and_started_again_adopts_the_microvm_that_kept_running() => AdoptsAfterRestartAsync(microVm: true);

    private async Task AdoptsAfterRestartAsync(bool microVm)
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        _temp = Directory.CreateTempSubdirectory("platform-restart-");
        if (OperatingSystem.IsLinux())
        {
            // Instances run as an unprivileged host uid (user namespaces): the bundle store below must be reachable.
            File.SetUnixFileMode(_temp.FullName, (UnixFileMode)0b111_101_101);
        }
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var runtimeRoot = Path.Combine(_temp.FullName, "run");
        // The KVM lab emulates the CPU: a microVM boots in seconds there, not milliseconds.
        var patience = microVm ? TimeSpan.FromMinutes(5) : EmbeddedPlatform.Deadline;
        var environment = new Dictionary<string, string>
        {
            ["Platform__DataDir"] = Path.Combine(_temp.FullName, "data"),
            ["Platform__AdminKey"] = AdminKey,
            ["Platform__Node__Id"] = $"restart-{suffix}",
            ["Platform__Node__RuntimeRoot"] = runtimeRoot,
            ["Platform__Node__CgroupParent"] = $"/platform-restart-{suffix}",
            ["Platform__Node__HeartbeatInterval"] = "00:00:01",
            ["Platform__Scheduler__ReconcileInterval"] = "00:00:01",
        };
        if (microVm)
        {
            environment["Platform__Node__GuestKernel"] = MicroVmTenantTests.RequireKvmAndGuestKernel();
            environment["Platform__Node__StartTimeout"] = "00:03:00";
            environment["Platform__Node__AdoptTimeout"] = "00:01:00";
            environment["Platform__Gateway__ColdStartTimeout"] = "00:01:00";
            // The platform process itself starts again far slower on the lab's emulated CPU than the 15 s after
            // which the scheduler counts a silent node lost and replaces its instances.
            environment["Platform__Scheduler__NodeTimeout"] = "00:03:00";
            environment["Platform__Scheduler__LostInstanceGrace"] = "00:03:00";
        }

        _platform = new PlatformProcess("platform", Processes.FreePort(), environment, _temp.FullName);
        await _platform.StartAsync(Ct);
        _http = new HttpClient { BaseAddress = _platform.Url, Timeout = TimeSpan.FromSeconds(90) };
        var bundle = await SampleBundles.BuildEchoAsync(1, _temp.FullName, Ct);
        // An untrusted tenant's function runs in a microVM; a trusted one's in a container.
        await SendAsync(HttpMethod.Post, "/v1/tenants", JsonContent.Create(new { name = "acme", trusted = !microVm }));
        await SendAsync(HttpMethod.Put, "/v1/tenants/acme/functions/echo", JsonContent.Create(new { minInstances = 1 }));
        var upload = new ByteArrayContent(await File.ReadAllBytesAsync(bundle, Ct));
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/gzip");
        await SendAsync(HttpMethod.Post, "/v1/tenants/acme/functions/echo/versions", upload);
        await EmbeddedPlatform.EventuallyAsync(async () => await InvokeAsync("before") == HttpStatusCode.OK, "the function never answered", patience);
        var instance = Assert.Single(await InstancesAsync());
        var runtime = new ContainerRuntime(new RuntimeOptions { Root = runtimeRoot });
        var pid = (await runtime.GetStateAsync(instance, Ct)).Pid;

        _platform.Kill();
        Assert.Equal("running", (await runtime.GetStateAsync(instance, Ct)).Status);

        await _platform.StartAsync(Ct);
        var after = await InvokeAsync("after");
        Assert.True(after == HttpStatusCode.OK, $"after the restart the function answered {(int)after}:\n{_platform.LogTail}");
        // The same instance and the same process serve: adopted, neither replaced nor started again.
        var instances = await InstancesAsync();
        Assert.True(instances.SequenceEqual([instance]),
            $"instances {string.Join(", ", instances)} where only {instance} should be:\n{_platform.LogLinesWith("dopt", "eftover", "Instance ")}");
        Assert.Equal(pid, (await runtime.GetStateAsync(instance, Ct)).Pid);
        Assert.Contains("Adopted instance " + instance, _platform.LogTail);
        // Its output reaches the logs endpoint through the FIFO the new agent opened, after what it wrote before
        // the restart (read back from its log files, as the tail died with the agent).
        string text = "";
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            using var logs = await SendAsync(HttpMethod.Get, "/v1/tenants/acme/functions/echo/logs?tail=100", null);
            return (text = await logs.Content.ReadAsStringAsync(Ct)).Contains("echo: GET /after");
        }, "the adopted instance's output never reached the logs endpoint", patience);
        var before = text.IndexOf("echo: GET /before", StringComparison.Ordinal);
        Assert.True(before >= 0 && before < text.IndexOf("echo: GET /after", StringComparison.Ordinal), $"the line from before the restart is not before the new one:\n{text}");
    }

    private async Task<HttpStatusCode> InvokeAsync(string path)
    {
        using var response = await _http!.GetAsync($"/fn/acme/echo/cgi-bin/echo/{path}", Ct);
        return response.StatusCode;
    }

    // Every instance the function ever had (stopped ones included), by id.
    private async Task<List<string>> InstancesAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/v1/tenants/acme/functions/echo/instances", null);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToList();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        var response = await _http!.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_platform is not null)
        {
            await _platform.DisposeAsync(); // SIGTERM: the host stops its instances
        }
        if (_temp is not null)
        {
            // A failure between the kill and the restart leaves the container: delete it as the restart would.
            var runtime = new ContainerRuntime(new RuntimeOptions { Root = Path.Combine(_temp.FullName, "run") });
            foreach (var container in await runtime.ListAsync(CancellationToken.None))
            {
                await runtime.DeleteAsync(container.Id, force: true, CancellationToken.None);
            }
            _temp.Delete(recursive: true);
        }
    }
}
