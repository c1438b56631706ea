using System.Net;
using System.Text.Json;
using Platform.Runtime;
using Platform.Runtime.Vmm;
using Platform.Runtime.Vmm.Vstate;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Untrusted tenants run in microVMs, trusted ones in containers, on one node agent of the embedded platform.
/// Where KVM is (in CI: inside the KVM lab, scripts/test), a real microVM answers through the gateway; anywhere,
/// a node without the microVM backend leaves such instances pending with the reason.
/// </summary>
public sealed class MicroVmTenantTests : IAsyncLifetime
{
    private static readonly string[] CgroupRoots = ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup"];

    private EmbeddedPlatform? _platform;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Without_the_microvm_backend_microvm_instances_stay_pending_with_the_reason()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        // No guest kernel: this node offers containers only, whether or not the host has /dev/kvm.
        var platform = _platform = EmbeddedPlatform.Start("novm", new Dictionary<string, string>
        {
            ["Platform:Node:GuestKernel"] = "/nonexistent/vmlinux",
            ["Platform:Gateway:ColdStartTimeout"] = "00:00:02",
        });
        var bundle = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);

        await EmbeddedPlatform.EventuallyAsync(async () => (await platform.GetJsonAsync("/v1/nodes", platform.AdminKey)).EnumerateArray().Any(), "the node never registered");
        var node = (await platform.GetJsonAsync("/v1/nodes", platform.AdminKey)).EnumerateArray().Single();
        Assert.Equal(["container"], node.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));

        // An untrusted tenant (the default), even when its function asks for a container.
        var untrusted = await platform.CreateTenantAsync("untrusted", trusted: false);
        await platform.DeployAsync("untrusted", "echo", untrusted, bundle, new { minInstances = 1, isolation = "container" });
        var waiting = await WaitForPendingAsync(platform, "untrusted", untrusted);
        Assert.Equal("microvm", waiting.GetProperty("isolation").GetString());
        Assert.Contains("tenant 'untrusted' is not trusted, so its functions run only in microVMs", waiting.GetProperty("error").GetString());

        // A trusted tenant's function that asks for a microVM: the cold request waits, then 503 says where to look.
        var trusted = await platform.CreateTenantAsync("trusted", trusted: true);
        await platform.DeployAsync("trusted", "echo", trusted, bundle, new { isolation = "microvm" });
        using (var cold = await platform.SendAsync(HttpMethod.Get, "/fn/trusted/echo/", null, null, HttpStatusCode.ServiceUnavailable))
        {
            Assert.Contains("/v1/tenants/trusted/functions/echo/instances", await cold.Content.ReadAsStringAsync(Ct));
        }
        var asked = await WaitForPendingAsync(platform, "trusted", trusted);
        Assert.Equal("microvm", asked.GetProperty("isolation").GetString());
        Assert.Contains("the function asks for microvm", asked.GetProperty("error").GetString());

        // Never a silent fallback: nothing of either ever ran.
        Assert.Empty(await platform.Get<IContainerRuntime>().ListAsync(Ct));
    }

    [Fact]
    [Trait("Requires", "kvm")]
    public async Task An_untrusted_tenant_runs_in_a_microvm_and_a_trusted_one_in_a_container_on_the_same_node()
    {
        EmbeddedPlatform.SkipUnlessContainersCanRun();
        var kernel = RequireKvmAndGuestKernel();
        // The KVM lab emulates the CPU: a boot takes seconds there, not milliseconds.
        var patience = TimeSpan.FromMinutes(5);
        var platform = _platform = EmbeddedPlatform.Start("vm", new Dictionary<string, string>
        {
            ["Platform:Node:GuestKernel"] = kernel,
            ["Platform:Node:StartTimeout"] = "00:03:00",
            ["Platform:Gateway:ColdStartTimeout"] = "00:01:00",
        });
        var v1 = await SampleBundles.BuildEchoAsync(1, platform.Temp.FullName, Ct);
        var v2 = await SampleBundles.BuildEchoAsync(2, platform.Temp.FullName, Ct);
        var hostKernel = "kernel=" + File.ReadAllText("/proc/version").Trim();

        await EmbeddedPlatform.EventuallyAsync(async () => (await platform.GetJsonAsync("/v1/nodes", platform.AdminKey)).EnumerateArray().Any(), "the node never registered", patience);
        var node = (await platform.GetJsonAsync("/v1/nodes", platform.AdminKey)).EnumerateArray().Single();
        Assert.Equal(["container", "microvm"], node.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));

        // The untrusted tenant's answer comes from inside a microVM: the guest kernel's /proc/version.
        var key = await platform.CreateTenantAsync("guest", trusted: false);
        await platform.DeployAsync("guest", "echo", key, v1, new { minInstances = 1, memoryMiB = 128 });
        var answer = await platform.InvokeEchoUntilVersionAsync("guest", "echo", 1, patience);
        Assert.Contains("kernel=" + GuestBanner(kernel), answer);
        Assert.DoesNotContain(hostKernel, answer);
        Assert.Contains("body=ping from e2e", answer);
        var instance = (await platform.GetJsonAsync("/v1/tenants/guest/functions/echo/instances", key)).EnumerateArray()
            .Single(i => i.GetProperty("state").GetString() == "running");
        Assert.Equal(("microvm", platform.NodeId), (instance.GetProperty("isolation").GetString(), instance.GetProperty("node").GetString()));
        // Inside the guest the function still runs in the default sandbox (defence in depth).
        await platform.AssertSandboxedAsync("guest", "echo");

        // Its output reaches the logs endpoint.
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            using var logs = await platform.SendAsync(HttpMethod.Get, "/v1/tenants/guest/functions/echo/logs?tail=500", key, null);
            return (await logs.Content.ReadAsStringAsync(Ct)).Contains("echo: POST /hello a=1&b=two");
        }, "the microVM's stderr never reached the logs endpoint", patience);

        // Upgrade and roll back, each a new microVM.
        await platform.DeployAsync("guest", "echo", key, v2, new { minInstances = 1, memoryMiB = 128 });
        Assert.Contains("kernel=" + GuestBanner(kernel), await platform.InvokeEchoUntilVersionAsync("guest", "echo", 2, patience));
        await platform.SendAsync(HttpMethod.Post, "/v1/tenants/guest/functions/echo/versions/1/activate", key, null, HttpStatusCode.OK);
        await platform.InvokeEchoUntilVersionAsync("guest", "echo", 1, patience);

        // A memory hog inside the guest: the guest kernel's OOM killer ends it, out of the host's sight; the guest
        // agent reports it, and the instance is ended and replaced with the reason, as a container's would be.
        // Once the rollback settled: the one running instance is version 1's (version 2's may still be stopping).
        string? hogged = null;
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            var running = (await platform.GetJsonAsync("/v1/tenants/guest/functions/echo/instances", key)).EnumerateArray()
                .Where(i => i.GetProperty("state").GetString() == "running").ToList();
            hogged = running is [var only] && only.GetProperty("version").GetInt32() == 1 ? only.GetProperty("id").GetString() : null;
            return hogged is not null;
        }, "after the rollback, version 1 never ran alone", patience);
        string hog;
        using (var hogAnswer = await platform.SendAsync(HttpMethod.Get, "/fn/guest/echo/cgi-bin/memhog", null, null))
        {
            hog = $"{(int)hogAnswer.StatusCode} {await hogAnswer.Content.ReadAsStringAsync(Ct)}";
        }
        JsonElement oomKilled = default;
        var seen = "";
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            var instances = await platform.GetJsonAsync("/v1/tenants/guest/functions/echo/instances", key);
            seen = instances.ToString();
            oomKilled = instances.EnumerateArray().FirstOrDefault(i => i.GetProperty("id").GetString() == hogged);
            return oomKilled.ValueKind == JsonValueKind.Object && oomKilled.GetProperty("state").GetString() == "failed";
        }, () => $"the microVM {hogged} whose guest OOM-killed its process was never reported failed; the hog answered {hog}; instances: {seen}", patience);
        Assert.Contains("out of memory", oomKilled.GetProperty("error").GetString());
        Assert.Contains("kernel=" + GuestBanner(kernel), await platform.InvokeEchoUntilVersionAsync("guest", "echo", 1, patience));

        // A trusted tenant's function runs in a container on the same node: the host's kernel answers.
        var trustedKey = await platform.CreateTenantAsync("host", trusted: true);
        await platform.DeployAsync("host", "echo", trustedKey, v1);
        Assert.Contains(hostKernel, await platform.InvokeEchoUntilVersionAsync("host", "echo", 1, patience));
        var container = (await platform.GetJsonAsync("/v1/tenants/host/functions/echo/instances", trustedKey)).EnumerateArray()
            .Single(i => i.GetProperty("state").GetString() == "running");
        Assert.Equal(("container", platform.NodeId), (container.GetProperty("isolation").GetString(), container.GetProperty("node").GetString()));

        // What the microVMs hold on the host: their VMM processes, state folders (vsock socket), cgroups, root disks.
        var runtime = platform.Get<IContainerRuntime>();
        var vmIds = (await platform.GetJsonAsync("/v1/tenants/guest/functions/echo/instances", key)).EnumerateArray()
            .Where(i => i.GetProperty("state").GetString() is "running" or "starting" or "pending" or "stopping")
            .Select(i => i.GetProperty("id").GetGuid().ToString()).ToList();
        var vms = (await runtime.ListAsync(Ct)).Where(c => vmIds.Contains(c.Id)).ToList();
        Assert.NotEmpty(vms);
        var vmmPids = vms.Select(c => c.Pid).Where(p => p > 0).ToList();
        Assert.All(vmmPids, pid => Assert.Contains("_PLATFORM_VMM=", File.ReadAllText($"/proc/{pid}/environ")));
        var disks = Path.Combine(platform.Temp.FullName, "data", "node", "store", "disks");
        Assert.NotEmpty(Directory.GetFiles(disks, "*.ext4"));

        await platform.SendAsync(HttpMethod.Delete, "/v1/tenants/guest/functions/echo", key, null, HttpStatusCode.NoContent);

        await EmbeddedPlatform.EventuallyAsync(async () => !(await runtime.ListAsync(Ct)).Any(c => vmIds.Contains(c.Id)), "a microVM container is still listed by the runtime", patience);
        await EmbeddedPlatform.EventuallyAsync(() => vmmPids.All(p => !Directory.Exists($"/proc/{p}")), "a VMM process is still alive", patience);
        await EmbeddedPlatform.EventuallyAsync(() => !vmIds.Any(id => Directory.Exists(Path.Combine(platform.RuntimeRoot, id))), "a microVM's state folder (and its vsock socket) is left", patience);
        await EmbeddedPlatform.EventuallyAsync(() => !vmIds.Any(id => CgroupDirectories(platform.CgroupParent, id).Any(Directory.Exists)), "a microVM's cgroup is left", patience);
        await EmbeddedPlatform.EventuallyAsync(() => Directory.GetFiles(disks).Length == 0, "a root disk image is left", patience);
        // The trusted tenant's container is untouched.
        Assert.Contains(hostKernel, await platform.InvokeEchoUntilVersionAsync("host", "echo", 1, patience));
    }

    private static async Task<JsonElement> WaitForPendingAsync(EmbeddedPlatform platform, string tenant, string key)
    {
        JsonElement? found = null;
        await EmbeddedPlatform.EventuallyAsync(async () =>
        {
            found = (await platform.GetJsonAsync($"/v1/tenants/{tenant}/functions/echo/instances", key)).EnumerateArray()
                .Where(i => i.GetProperty("state").GetString() == "pending" && i.GetProperty("error").ValueKind == JsonValueKind.String)
                .Cast<JsonElement?>().FirstOrDefault();
            return found is not null;
        }, $"no pending instance of {tenant}/echo with a reason");
        Assert.Equal(JsonValueKind.Null, found!.Value.GetProperty("node").ValueKind);
        return found.Value;
    }

    // cgroup v1 (these machines) or v2 (the KVM lab, most hosts).
    private static IEnumerable<string> CgroupDirectories(string parent, string id) =>
        CgroupRoots.Select(root => $"{root}{parent}/{id}");

    internal static string RequireKvmAndGuestKernel()
    {
        var required = Environment.GetEnvironmentVariable("PLATFORM_REQUIRE_KVM") == "1";
        // scripts/test's verdict on a /dev/kvm that opens but does not run a guest (it tried to boot one).
        string? reason = Environment.GetEnvironmentVariable("PLATFORM_NO_KVM") is { Length: > 0 } verdict ? $"KVM unusable: {verdict}" : null;
        try
        {
            using var kvm = Kvm.Open();
        }
        catch (VmmException e)
        {
            reason = $"KVM unavailable: {e.Message}";
        }

        var kernel = Path.Combine(SampleBundles.RepoRoot(), "artifacts", "guest", "vmlinux");
        if (reason is null && !File.Exists(kernel))
        {
            reason = $"no guest kernel at {kernel}: run scripts/build-guest-kernel";
        }

        if (reason is not null)
        {
            Assert.False(required, $"PLATFORM_REQUIRE_KVM=1 but {reason}");
            Assert.Skip(reason);
        }

        return kernel;
    }

    /// <summary>"Linux version RELEASE (BUILDER@HOST)": how /proc/version begins in the guest, read from the kernel image.</summary>
    private static string GuestBanner(string kernel)
    {
        var image = File.ReadAllBytes(kernel);
        var start = image.AsSpan().IndexOf("Linux version "u8);
        Assert.True(start >= 0, "the guest kernel has no version banner");
        var end = image.AsSpan(start).IndexOf(") ("u8);
        Assert.True(end > 0, "the guest kernel's banner has no builder");
        return System.Text.Encoding.ASCII.GetString(image, start, end + 1);
    }

    public async ValueTask DisposeAsync()
    {
        if (_platform is not null)
        {
            await _platform.DisposeAsync();
        }
    }
}
