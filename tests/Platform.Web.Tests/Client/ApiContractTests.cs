using Platform.Web.Tests.Browser;
using Platform.Web.Tests.Hosting;

namespace Platform.Web.Tests.Client;

/// <summary>
/// The typed client against the real api host (no node agent): the wire shapes of settings, secrets, traffic,
/// keys, quotas, invocations and metrics as the REST API answers them, and its validation problems by field.
/// </summary>
public sealed class ApiContractTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static PlatformApiClient ClientOf(PlatformHost host, HttpClient http) => new(http, new PlatformApiClientTests.FixedAddress(host.Address));

    [Fact]
    public async Task Settings_secrets_traffic_and_metrics_of_a_function_round_trip()
    {
        await using var host = PlatformHost.Start();
        using var http = new HttpClient();
        var api = ClientOf(host, http);
        var admin = host.AdminKey;
        await api.CreateTenantAsync(admin, "acme", trusted: true, Cancel);
        var created = await api.CreateFunctionAsync(admin, "acme", "hello", Cancel);
        Assert.Equal(128, created.Settings!.MemoryMiB);

        var updated = await api.UpdateFunctionAsync(admin, "acme", "hello",
            created.Settings with { MemoryMiB = 256, Env = new Dictionary<string, string> { ["MODE"] = "a" }, Isolation = "container", Public = false }, Cancel);
        Assert.Equal((256, "container", false), (updated.Settings!.MemoryMiB, updated.Settings.Isolation, updated.Settings.Public));
        Assert.Equal("a", updated.Settings.Env["MODE"]);
        var policy = await api.UpdateFunctionAsync(admin, "acme", "hello", updated.Settings with { Isolation = "" }, Cancel);
        Assert.Null(policy.Settings!.Isolation);

        var invalid = await Assert.ThrowsAsync<PlatformApiException>(() =>
            api.UpdateFunctionAsync(admin, "acme", "hello", updated.Settings with { MemoryMiB = 8, MinInstances = 20, Env = new Dictionary<string, string> { ["1X"] = "" } }, Cancel));
        Assert.Equal(["env.1X", "memoryMiB", "minInstances"], invalid.FieldErrors.Keys.Order(StringComparer.Ordinal));

        await api.SetSecretAsync(admin, "acme", "hello", "API_TOKEN", "s3cret", Cancel);
        var secret = Assert.Single(await api.ListSecretsAsync(admin, "acme", "hello", Cancel));
        Assert.Equal("API_TOKEN", secret.Name);
        Assert.Equal(["API_TOKEN"], (await api.GetFunctionAsync(admin, "acme", "hello", Cancel)).Settings!.Secrets);
        await api.DeleteSecretAsync(admin, "acme", "hello", "API_TOKEN", Cancel);
        Assert.Empty(await api.ListSecretsAsync(admin, "acme", "hello", Cancel));

        await api.UploadVersionAsync(admin, "acme", "hello", new MemoryStream(TestBundle.Tar("/bin/a")), "a.tar", null, Cancel);
        await api.UploadVersionAsync(admin, "acme", "hello", new MemoryStream(TestBundle.Tar("/bin/b")), "b.tar", null, Cancel);
        var split = await api.SetTrafficAsync(admin, "acme", "hello", new Dictionary<int, int> { [1] = 90, [2] = 10 }, Cancel);
        Assert.Equal(new Dictionary<int, int> { [1] = 90, [2] = 10 }, split.Traffic);
        var uneven = await Assert.ThrowsAsync<PlatformApiException>(() => api.SetTrafficAsync(admin, "acme", "hello", new Dictionary<int, int> { [1] = 50 }, Cancel));
        Assert.Contains("traffic", uneven.FieldErrors.Keys);
        Assert.Null((await api.SetTrafficAsync(admin, "acme", "hello", new Dictionary<int, int>(), Cancel)).Traffic);

        Assert.Empty(await api.ListInvocationsAsync(admin, "acme", "hello", Cancel));
        var metrics = await api.GetMetricsAsync(admin, "acme", Cancel);
        Assert.Equal((60, 60), (metrics.StepSeconds, metrics.Total.P99Ms.Count));
        Assert.Equal("hello", Assert.Single(metrics.Functions).Function);

        await api.DeleteFunctionAsync(admin, "acme", "hello", Cancel);
        Assert.Empty(await api.ListFunctionsAsync(admin, "acme", Cancel));
    }

    [Fact]
    public async Task Quotas_and_keys_of_a_tenant_round_trip_and_a_deleted_key_is_refused()
    {
        await using var host = PlatformHost.Start();
        using var http = new HttpClient();
        var api = ClientOf(host, http);
        var admin = host.AdminKey;
        await api.CreateTenantAsync(admin, "acme", trusted: false, Cancel);

        var changed = await api.SetTenantQuotasAsync(admin, "acme", new TenantQuotasInfo(3, 4, 512), Cancel);
        Assert.Equal(new TenantQuotasInfo(3, 4, 512), changed.Quotas);
        var invalid = await Assert.ThrowsAsync<PlatformApiException>(() => api.SetTenantQuotasAsync(admin, "acme", new TenantQuotasInfo(-1, 4, 512), Cancel));
        Assert.Equal(["quotas.maxFunctions"], invalid.FieldErrors.Keys);

        var key = await api.CreateKeyAsync(admin, "acme", "ci", Cancel);
        var listed = Assert.Single(await api.ListKeysAsync(admin, "acme", Cancel));
        Assert.Equal((key.Id, "ci", key.Prefix), (listed.Id, listed.Name, listed.Prefix));
        Assert.Single(await api.ListTenantsAsync(key.Key, Cancel));
        await api.DeleteKeyAsync(admin, "acme", key.Id, Cancel);
        Assert.True((await Assert.ThrowsAsync<PlatformApiException>(() => api.ListTenantsAsync(key.Key, Cancel))).IsUnauthorized);

        await api.DeleteTenantAsync(admin, "acme", Cancel);
        Assert.Empty(await api.ListTenantsAsync(admin, Cancel));
    }
}
