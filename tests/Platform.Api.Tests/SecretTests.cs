using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;

namespace Platform.Api.Tests;

/// <summary>Function secrets: write-only over the API, encrypted at rest, rolled out as a version, read only by nodes.</summary>
public sealed class SecretTests
{
    private static readonly string Value = "hunter2-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_secret_is_write_only_encrypted_at_rest_and_rolled_out_as_a_new_version()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);
        var activated = await platform.RecordAsync<FunctionActivated>();
        HttpClient admin = platform.Admin();

        var put = await Expect.JsonAsync(await admin.PutAsJsonAsync("/v1/tenants/acme/functions/hello/secrets/DB_PASSWORD", new { value = Value }));
        Assert.Equal("DB_PASSWORD", put.GetProperty("name").GetString());
        Assert.Equal(2, put.GetProperty("version").GetInt32());
        var message = await activated.WaitForAsync(m => m.Version == 2);
        Assert.Equal(["DB_PASSWORD"], message.Spec.Secrets!);
        Assert.DoesNotContain(Value, JsonSerializer.Serialize(message));

        // Names and times only, wherever the function shows up.
        foreach (var path in new[] { "secrets", "", "versions", "versions/2", "instances" })
        {
            var text = await (await admin.GetAsync($"/v1/tenants/acme/functions/hello/{path}".TrimEnd('/'))).Content.ReadAsStringAsync();
            Assert.DoesNotContain(Value, text);
        }
        var function = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/functions/hello"));
        Assert.Equal(["DB_PASSWORD"], function.GetProperty("settings").GetProperty("secrets").EnumerateArray().Select(n => n.GetString()));
        var listed = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/functions/hello/secrets"));
        Assert.Equal(["name", "updatedAt", "version"], listed.EnumerateArray().Single().EnumerateObject().Select(p => p.Name));

        // Not in any file the platform wrote (database, WAL, bundles), only as Data Protection ciphertext.
        foreach (var file in Directory.EnumerateFiles(platform.DataDir, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).LinkTarget is null))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes, TestContext.Current.CancellationToken);
            Assert.False(bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(Value)) >= 0, $"{file} holds the secret in clear");
        }
    }

    [Fact]
    public async Task Only_the_node_token_reads_values_and_the_same_value_again_changes_nothing()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);
        HttpClient admin = platform.Admin();
        await Expect.JsonAsync(await admin.PutAsJsonAsync("/v1/tenants/acme/functions/hello/secrets/API_TOKEN", new { value = Value }));
        var again = await Expect.JsonAsync(await admin.PutAsJsonAsync("/v1/tenants/acme/functions/hello/secrets/API_TOKEN", new { value = Value }));
        Assert.Equal(2, again.GetProperty("version").GetInt32());

        var function = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/functions/hello"));
        var id = await FunctionIdAsync(platform);
        var node = platform.WithKey(File.ReadAllText(Path.Join(platform.DataDir, "node.token")).Trim());
        var values = await Expect.JsonAsync(await node.GetAsync($"/v1/internal/functions/{id}/secrets"));
        Assert.Equal(Value, values.GetProperty("API_TOKEN").GetString());
        var tenantKey = await platform.CreateKeyAsync("acme");
        foreach (var client in new[] { admin, platform.WithKey(tenantKey), platform.WithKey(null) })
        {
            var response = await client.GetAsync($"/v1/internal/functions/{id}/secrets");
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{response.StatusCode}");
        }
        Assert.Equal(2, function.GetProperty("activeVersion").GetInt32());
    }

    [Fact]
    public async Task Bad_names_and_values_are_problems_another_tenant_sees_nothing_and_delete_rolls_out()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await platform.CreateTenantAsync("other");
        await platform.PutFunctionAsync("acme", "hello");
        HttpClient admin = platform.Admin();
        const string Base = "/v1/tenants/acme/functions/hello/secrets";

        await Expect.ProblemAsync(await admin.PutAsJsonAsync($"{Base}/1BAD", new { value = "x" }), HttpStatusCode.BadRequest);
        await Expect.ProblemAsync(await admin.PutAsJsonAsync($"{Base}/PORT", new { value = "x" }), HttpStatusCode.BadRequest);
        await Expect.ProblemAsync(await admin.PutAsJsonAsync($"{Base}/EMPTY", new { }), HttpStatusCode.BadRequest);
        await Expect.ProblemAsync(await admin.PutAsJsonAsync($"{Base}/HUGE", new { value = new string('x', 40_000) }), HttpStatusCode.BadRequest);

        // No active version yet: stored, nothing to roll out.
        var put = await Expect.JsonAsync(await admin.PutAsJsonAsync($"{Base}/TOKEN", new { value = Value }));
        Assert.Equal(JsonValueKind.Null, put.GetProperty("version").ValueKind);

        var other = platform.WithKey(await platform.CreateKeyAsync("other"));
        await Expect.ProblemAsync(await other.GetAsync(Base), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await other.PutAsJsonAsync($"{Base}/TOKEN", new { value = "stolen" }), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await other.DeleteAsync($"{Base}/TOKEN"), HttpStatusCode.NotFound);

        await Expect.JsonAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);
        await Expect.StatusAsync(await admin.DeleteAsync($"{Base}/TOKEN"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await admin.DeleteAsync($"{Base}/TOKEN"), HttpStatusCode.NotFound);
        var function = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/functions/hello"));
        Assert.Empty(function.GetProperty("settings").GetProperty("secrets").EnumerateArray());
        Assert.Equal(2, function.GetProperty("activeVersion").GetInt32());
    }

    private static async Task<Guid> FunctionIdAsync(PlatformFactory platform)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Platform.Data.PlatformDbContext>();
        return db.Functions.Single(f => f.Name == "hello").Id;
    }
}
