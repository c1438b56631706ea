using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;
using Platform.Data;

namespace Platform.Api.Tests;

public sealed class TenantAndKeyTests
{
    [Fact]
    public async Task Tenant_is_created_read_patched_and_deleted()
    {
        await using var platform = new PlatformFactory();
        HttpClient admin = platform.Admin();
        using HttpResponseMessage created = await admin.PostAsJsonAsync("/v1/tenants", new { name = "acme", quotas = new { maxFunctions = 3 } });
        var tenant = await Expect.JsonAsync(created, HttpStatusCode.Created);
        Assert.Equal("/v1/tenants/acme", created.Headers.Location?.OriginalString);
        Assert.False(tenant.GetProperty("trusted").GetBoolean());
        Assert.Equal(3, tenant.GetProperty("quotas").GetProperty("maxFunctions").GetInt32());
        Assert.Equal(50, tenant.GetProperty("quotas").GetProperty("maxInstances").GetInt32());

        var patched = await Expect.JsonAsync(await admin.PatchAsJsonAsync("/v1/tenants/acme", new { trusted = true, quotas = new { maxInstances = 7 } }));
        Assert.True(patched.GetProperty("trusted").GetBoolean());
        Assert.Equal(3, patched.GetProperty("quotas").GetProperty("maxFunctions").GetInt32());
        Assert.Equal(7, patched.GetProperty("quotas").GetProperty("maxInstances").GetInt32());

        await Expect.StatusAsync(await admin.DeleteAsync("/v1/tenants/acme"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await admin.GetAsync("/v1/tenants/acme"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Duplicate_tenant_is_409()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await Expect.ProblemAsync(await platform.Admin().PostAsJsonAsync("/v1/tenants", new { name = "acme" }), HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Acme")]
    [InlineData("-acme")]
    [InlineData("acme-")]
    [InlineData("ac_me")]
    [InlineData("a.b")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public async Task Bad_tenant_name_is_a_validation_problem(string name)
    {
        await using var platform = new PlatformFactory();
        var problem = await Expect.ProblemAsync(await platform.Admin().PostAsJsonAsync("/v1/tenants", new { name }), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem()
    {
        await using var platform = new PlatformFactory();
        using var content = new StringContent("{\"name\": ", Encoding.UTF8, "application/json");
        await Expect.ProblemAsync(await platform.Admin().PostAsync("/v1/tenants", content), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Deleting_a_tenant_removes_its_functions_and_tells_the_scheduler()
    {
        await using var platform = new PlatformFactory();
        var removed = await platform.RecordAsync<FunctionRemoved>();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "one");
        await platform.UploadAsync("acme", "one", TestBundles.Valid());
        string key = await platform.CreateKeyAsync("acme");
        Guid functionId;
        using (var scope = platform.Services.CreateScope())
        {
            functionId = (await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().Functions.SingleAsync()).Id;
        }

        await Expect.StatusAsync(await platform.Admin().DeleteAsync("/v1/tenants/acme"), HttpStatusCode.NoContent);

        await removed.WaitForAsync(m => m.FunctionId == functionId);
        using (var scope = platform.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PlatformDbContext>();
            Assert.Equal(0, await db.Functions.CountAsync());
            Assert.Equal(0, await db.FunctionVersions.CountAsync());
            Assert.Equal(0, await db.ApiKeys.CountAsync());
        }
        await Expect.ProblemAsync(await platform.WithKey(key).GetAsync("/v1/tenants/acme"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Key_is_shown_once_and_stored_only_as_a_hash()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        var created = await Expect.JsonAsync(await platform.Admin().PostAsJsonAsync("/v1/tenants/acme/keys", new { name = "ci" }), HttpStatusCode.Created);
        string key = created.GetProperty("key").GetString()!;
        string prefix = created.GetProperty("prefix").GetString()!;
        Assert.StartsWith("pk_", key);
        Assert.True(key.Length >= 40);
        Assert.StartsWith(prefix, key);
        Assert.True(prefix.Length < key.Length / 2);

        var listed = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/keys"));
        var only = Assert.Single(listed.EnumerateArray());
        Assert.False(only.TryGetProperty("key", out _));
        Assert.Equal("ci", only.GetProperty("name").GetString());

        using (var scope = platform.Services.CreateScope())
        {
            var row = await scope.ServiceProvider.GetRequiredService<PlatformDbContext>().ApiKeys.SingleAsync();
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)), row.Hash);
            Assert.DoesNotContain(key, File.ReadAllText(Path.Join(platform.DataDir, "platform.db"), Encoding.Latin1));
        }
        await Expect.StatusAsync(await platform.WithKey(key).GetAsync("/v1/tenants/acme"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleted_key_no_longer_authenticates()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        var created = await Expect.JsonAsync(await platform.Admin().PostAsJsonAsync("/v1/tenants/acme/keys", new { }), HttpStatusCode.Created);
        string key = created.GetProperty("key").GetString()!;
        string id = created.GetProperty("id").GetString()!;
        HttpClient tenant = platform.WithKey(key);
        await Expect.StatusAsync(await tenant.DeleteAsync($"/v1/tenants/acme/keys/{id}"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await tenant.GetAsync("/v1/tenants/acme"), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await platform.Admin().DeleteAsync($"/v1/tenants/acme/keys/{id}"), HttpStatusCode.NotFound);
    }
}
