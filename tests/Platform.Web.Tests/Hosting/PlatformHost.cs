using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Platform.Web.Tests.Hosting;

/// <summary>
/// The real api process (REST API + dashboard) on a loopback port, with its own data directory, roles
/// "api,scheduler" so nothing starts containers, in the Production environment as `scripts/run` starts it.
/// </summary>
internal sealed class PlatformHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _dataDir;

    private PlatformHost(WebApplicationFactory<Program> factory, string dataDir, string adminKey)
    {
        _factory = factory;
        _dataDir = dataDir;
        AdminKey = adminKey;
    }

    public string AdminKey { get; }

    public Uri Address => _factory.ClientOptions.BaseAddress;

    /// <param name="settings">Configuration on top of the defaults, e.g. a short <c>Platform:Gateway:ColdStartTimeout</c>.</param>
    public static PlatformHost Start(IReadOnlyDictionary<string, string>? settings = null)
    {
        var dataDir = Directory.CreateTempSubdirectory("platform-web-tests-").FullName;
        var adminKey = "admin-" + Guid.NewGuid().ToString("N");
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production");
            web.UseSetting("Platform:DataDir", dataDir);
            web.UseSetting("Platform:AdminKey", adminKey);
            web.UseSetting("Platform:Roles", "api,scheduler");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                web.UseSetting(key, value);
            }
        });
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        try
        {
            factory.StartServer();
        }
        catch
        {
            factory.Dispose();
            Directory.Delete(dataDir, recursive: true);
            throw;
        }

        return new PlatformHost(factory, dataDir, adminKey);
    }

    /// <summary>A client of the REST API over real HTTP, signed in with <paramref name="key"/>.</summary>
    public HttpClient CreateClient(string key)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
