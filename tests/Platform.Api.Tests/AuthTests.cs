using System.Net;
using System.Net.Http.Json;
using Platform.Api.Tests.Infrastructure;

namespace Platform.Api.Tests;

public sealed class AuthTests
{
    [Fact]
    public async Task Missing_key_is_401_problem_with_bearer_challenge()
    {
        await using var platform = new PlatformFactory();
        using HttpResponseMessage response = await platform.WithKey(null).GetAsync("/v1/tenants");
        await Expect.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Wrong_key_is_401()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        string key = await platform.CreateKeyAsync("acme");
        foreach (string wrong in new[] { "nope", key[..^2] + "xx", PlatformFactory.AdminKey + "x", "pk_" })
        {
            using HttpResponseMessage response = await platform.WithKey(wrong).GetAsync("/v1/tenants/acme");
            await Expect.ProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Tenant_key_sees_only_its_tenant_and_others_answer_404()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.CreateTenantAsync("globex");
        await platform.PutFunctionAsync("globex", "secret");
        HttpClient acme = platform.WithKey(await platform.CreateKeyAsync("acme"));

        var tenants = await Expect.JsonAsync(await acme.GetAsync("/v1/tenants"));
        Assert.Equal(["acme"], tenants.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        await Expect.StatusAsync(await acme.GetAsync("/v1/tenants/acme"), HttpStatusCode.OK);

        await Expect.ProblemAsync(await acme.GetAsync("/v1/tenants/globex"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await acme.GetAsync("/v1/tenants/globex/functions"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await acme.GetAsync("/v1/tenants/globex/functions/secret"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await acme.DeleteAsync("/v1/tenants/globex/functions/secret"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await acme.PostAsJsonAsync("/v1/tenants/globex/keys", new { }), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.UploadAsync("globex", "secret", TestBundles.Valid(), client: acme), HttpStatusCode.NotFound);
        foreach (var part in new[] { "versions", "instances", "logs?tail=10", "secrets" })
        {
            await Expect.ProblemAsync(await acme.GetAsync($"/v1/tenants/globex/functions/secret/{part}"), HttpStatusCode.NotFound);
        }
        await Expect.ProblemAsync(await acme.PutAsJsonAsync("/v1/tenants/globex/functions/secret/secrets/X", new { value = "x" }), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await acme.PostAsync("/v1/tenants/globex/functions/secret/versions/1/activate", null), HttpStatusCode.NotFound);
        await Expect.StatusAsync(await platform.Admin().GetAsync("/v1/tenants/globex/functions/secret"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tenant_key_may_not_use_admin_endpoints()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        HttpClient acme = platform.WithKey(await platform.CreateKeyAsync("acme"));
        await Expect.ProblemAsync(await acme.PostAsJsonAsync("/v1/tenants", new { name = "mine" }), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await acme.DeleteAsync("/v1/tenants/acme"), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await acme.GetAsync("/v1/nodes"), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Node_token_fetches_bundles_and_nothing_else()
    {
        await using var platform = new PlatformFactory(settings: new Dictionary<string, string?> { ["Platform:NodeToken"] = "pn_node-token" });
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        byte[] bundle = TestBundles.Valid();
        var version = await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", bundle), HttpStatusCode.Created);
        string digest = version.GetProperty("digest").GetString()!;

        HttpClient node = platform.WithKey("pn_node-token");
        using HttpResponseMessage fetched = await node.GetAsync($"/v1/internal/bundles/{digest}");
        await Expect.StatusAsync(fetched, HttpStatusCode.OK);
        Assert.Equal(bundle, await fetched.Content.ReadAsByteArrayAsync());
        await Expect.ProblemAsync(await node.GetAsync($"/v1/internal/bundles/sha256:{new string('0', 64)}"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await node.GetAsync("/v1/tenants"), HttpStatusCode.Forbidden);

        HttpClient acme = platform.WithKey(await platform.CreateKeyAsync("acme"));
        await Expect.ProblemAsync(await acme.GetAsync($"/v1/internal/bundles/{digest}"), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await platform.WithKey(null).GetAsync($"/v1/internal/bundles/{digest}"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Generated_secrets_are_written_once_with_mode_0600()
    {
        await using var platform = new PlatformFactory(settings: new Dictionary<string, string?> { ["Platform:AdminKey"] = "" });
        using HttpClient anonymous = platform.WithKey(null);
        await Expect.StatusAsync(await anonymous.GetAsync("/healthz"), HttpStatusCode.OK);

        string adminFile = Path.Join(platform.DataDir, "admin.key");
        string nodeFile = Path.Join(platform.DataDir, "node.token");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(adminFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(nodeFile));
        byte[] raw = File.ReadAllBytes(adminFile);
        Assert.NotEqual(0xEF, raw[0]); // no BOM: `cat admin.key` must give exactly the key
        string admin = File.ReadAllText(adminFile).Trim();
        await Expect.StatusAsync(await platform.WithKey(admin).GetAsync("/v1/tenants"), HttpStatusCode.OK);
        await Expect.StatusAsync(await platform.WithKey(File.ReadAllText(nodeFile).Trim()).GetAsync($"/v1/internal/bundles/sha256:{new string('a', 64)}"), HttpStatusCode.NotFound);
    }
}
