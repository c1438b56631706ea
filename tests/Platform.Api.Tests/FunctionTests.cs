using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Api.Tests.Infrastructure;
using Platform.Contracts;

namespace Platform.Api.Tests;

public sealed class FunctionTests
{
    [Fact]
    public async Task Empty_settings_create_a_function_with_the_defaults_and_a_second_put_updates_it()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        HttpClient admin = platform.Admin();
        var created = await Expect.JsonAsync(await admin.PutAsJsonAsync("/v1/tenants/acme/functions/hello", new { }), HttpStatusCode.Created);
        var settings = created.GetProperty("settings");
        Assert.Equal(128, settings.GetProperty("memoryMiB").GetInt32());
        Assert.Equal(0, settings.GetProperty("minInstances").GetInt32());
        Assert.Equal(300, settings.GetProperty("idleSeconds").GetInt32());
        Assert.Equal(0.7, settings.GetProperty("targetUtilization").GetDouble());
        Assert.True(settings.GetProperty("public").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("activeVersion").ValueKind);

        var updated = await Expect.JsonAsync(await admin.PutAsJsonAsync("/v1/tenants/acme/functions/hello",
            new { memoryMiB = 256, env = new Dictionary<string, string> { ["GREETING"] = "hi" } }));
        Assert.Equal(256, updated.GetProperty("settings").GetProperty("memoryMiB").GetInt32());
        Assert.Equal(1000, updated.GetProperty("settings").GetProperty("cpuMillis").GetInt32());
        Assert.Equal("hi", updated.GetProperty("settings").GetProperty("env").GetProperty("GREETING").GetString());

        var list = await Expect.JsonAsync(await admin.GetAsync("/v1/tenants/acme/functions"));
        Assert.Equal(["hello"], list.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Out_of_range_settings_are_validation_problems_naming_each_field()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        var problem = await Expect.ProblemAsync(await platform.Admin().PutAsJsonAsync("/v1/tenants/acme/functions/hello",
            new { memoryMiB = 1, timeoutSeconds = 0, concurrency = 0, targetUtilization = 1.5, port = 70000, minInstances = 5, maxInstances = 2, isolation = "chroot",
                  env = new Dictionary<string, string> { ["PORT"] = "1", ["1BAD"] = "x" } }), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (string field in new[] { "memoryMiB", "timeoutSeconds", "concurrency", "targetUtilization", "port", "minInstances", "isolation", "env.PORT", "env.1BAD" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_function_name_is_a_validation_problem()
    {
        await using var platform = new PlatformFactory();
        await platform.CreateTenantAsync("acme");
        await Expect.ProblemAsync(await platform.Admin().PutAsJsonAsync("/v1/tenants/acme/functions/Hello_World", new { }), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Quotas_limit_functions_instances_and_memory()
    {
        await using var platform = new PlatformFactory();
        HttpClient admin = platform.Admin();
        await Expect.StatusAsync(await admin.PostAsJsonAsync("/v1/tenants",
            new { name = "small", quotas = new { maxFunctions = 1, maxInstances = 4, maxMemoryMiB = 512 } }), HttpStatusCode.Created);
        await Expect.ProblemAsync(await admin.PutAsJsonAsync("/v1/tenants/small/functions/a", new { maxInstances = 5 }), HttpStatusCode.TooManyRequests);
        await Expect.ProblemAsync(await admin.PutAsJsonAsync("/v1/tenants/small/functions/a", new { minInstances = 2, memoryMiB = 512 }), HttpStatusCode.TooManyRequests);
        await Expect.StatusAsync(await admin.PutAsJsonAsync("/v1/tenants/small/functions/a", new { maxInstances = 4 }), HttpStatusCode.Created);
        var problem = await Expect.ProblemAsync(await admin.PutAsJsonAsync("/v1/tenants/small/functions/b", new { }), HttpStatusCode.TooManyRequests);
        Assert.Equal("Quota exceeded", problem.GetProperty("title").GetString());

        // Another tenant is not touched by this one's quota.
        await platform.CreateTenantAsync("other");
        await Expect.StatusAsync(await admin.PutAsJsonAsync("/v1/tenants/other/functions/b", new { }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Delete_removes_the_rows_then_publishes_FunctionRemoved()
    {
        await using var platform = new PlatformFactory();
        var removed = await platform.RecordAsync<FunctionRemoved>();
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        await Expect.StatusAsync(await platform.UploadAsync("acme", "hello", TestBundles.Valid()), HttpStatusCode.Created);

        await Expect.StatusAsync(await platform.Admin().DeleteAsync("/v1/tenants/acme/functions/hello"), HttpStatusCode.NoContent);
        await removed.WaitForAsync(_ => true);
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/versions"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await platform.Admin().DeleteAsync("/v1/tenants/acme/functions/hello"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Instances_and_logs_answer_empty_lists_without_a_node_agent()
    {
        await using var platform = new PlatformFactory(roles: "api");
        await platform.CreateTenantAsync("acme");
        await platform.PutFunctionAsync("acme", "hello");
        var instances = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/instances"));
        Assert.Equal(0, instances.GetArrayLength());
        var logs = await Expect.JsonAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/logs?tail=10"));
        Assert.Equal(0, logs.GetArrayLength());
        await Expect.ProblemAsync(await platform.Admin().GetAsync("/v1/tenants/acme/functions/hello/logs?tail=-1"), HttpStatusCode.BadRequest);
    }
}
