namespace Platform.ColdStart.Bench;

/// <summary>
/// What the keepalive modes share: the sample built into a temporary folder, the embedded platform with its node
/// registered, a trusted tenant "bench" and its key. Disposing stops the platform and removes the folder.
/// </summary>
internal sealed class KeepaliveSession(string work, KeepaliveBundle bundle, PlatformProcess platform, HttpClient http, string key) : IAsyncDisposable
{
    public const string Tenant = "bench";

    public string Work => work;
    public KeepaliveBundle Bundle => bundle;
    public PlatformProcess Platform => platform;
    public HttpClient Http => http;
    public string Key => key;

    public static async Task<KeepaliveSession> StartAsync(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var work = Directory.CreateTempSubdirectory(name + "-").FullName;
        var bundle = await KeepaliveBundle.BuildAsync(work);
        var platform = PlatformProcess.Start(Repo.Root(), settings);
        // No per-server connection cap: a burst opens as many connections as it has requests.
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = platform.Url,
            Timeout = TimeSpan.FromMinutes(4),
        };
        await PlatformApi.WaitForNodeAsync(http, platform);
        var key = await PlatformApi.CreateTenantAsync(http, platform.AdminKey, Tenant, trusted: true);
        return new KeepaliveSession(work, bundle, platform, http, key);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await platform.DisposeAsync();
        Directory.Delete(work, recursive: true);
    }
}
