using System.Net.Http.Headers;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Api.Tests.Infrastructure;

/// <summary>
/// The real api host over its own temp data directory (SQLite file, bundle store, secrets) and the in-memory bus.
/// Roles default to "api,scheduler": no node agent, so no container starts.
/// </summary>
public sealed class PlatformFactory : WebApplicationFactory<Program>
{
    public const string AdminKey = "pa_test-admin-key-0123456789";

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public PlatformFactory(string roles = "api,scheduler", IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        Root = Directory.CreateTempSubdirectory("platform-api-tests-").FullName;
        DataDir = Path.Join(Root, "data");
        _settings = new Dictionary<string, string?>
        {
            ["Platform:DataDir"] = DataDir,
            ["Platform:Roles"] = roles,
            ["Platform:AdminKey"] = AdminKey,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            _settings[k] = v;
        }
        _services = services;
    }

    /// <summary>Holds the data directory and room beside it, to check that nothing is written outside the store.</summary>
    public string Root { get; }
    public string DataDir { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        builder.UseEnvironment("Development");
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public HttpClient Admin() => WithKey(AdminKey);

    public HttpClient WithKey(string? key)
    {
        HttpClient client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async Task CreateTenantAsync(string name, bool trusted = true)
    {
        using HttpResponseMessage response = await Admin().PostAsJsonAsync("/v1/tenants", new { name, trusted });
        await Expect.StatusAsync(response, System.Net.HttpStatusCode.Created);
    }

    public async Task<string> CreateKeyAsync(string tenant)
    {
        using HttpResponseMessage response = await Admin().PostAsJsonAsync($"/v1/tenants/{tenant}/keys", new { name = "test" });
        await Expect.StatusAsync(response, System.Net.HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("key").GetString()!;
    }

    public async Task PutFunctionAsync(string tenant, string function, object? settings = null)
    {
        using HttpResponseMessage response = await Admin().PutAsJsonAsync($"/v1/tenants/{tenant}/functions/{function}", settings ?? new { });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<HttpResponseMessage> UploadAsync(string tenant, string function, byte[] bundle, string contentType = "application/x-tar", HttpClient? client = null, string query = "")
    {
        var content = new ByteArrayContent(bundle);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return await (client ?? Admin()).PostAsync($"/v1/tenants/{tenant}/functions/{function}/versions{query}", content);
    }

    /// <summary>Records every message of type T published on the bus from now on.</summary>
    public async Task<MessageRecorder<T>> RecordAsync<T>() where T : class
    {
        var recorder = new MessageRecorder<T>();
        var bus = Services.GetRequiredService<IBus>();
        HostReceiveEndpointHandle handle = bus.ConnectReceiveEndpoint("test-" + Guid.NewGuid().ToString("N"),
            e => e.Handler<T>(recorder.Add));
        await handle.Ready;
        return recorder;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
