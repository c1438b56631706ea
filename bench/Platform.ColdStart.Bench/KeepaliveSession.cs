namespace Platform.ColdStart.Bench;

/// <summary>
/// What the keepalive modes share: the sample built into a temporary folder, the embedded platform with its node
/// registered, a trusted tenant "bench" and its key. Disposing stops the platform and removes the folder.
/// </summary>
internal sealed class KeepaliveSession : IAsyncDisposable
{
    public const string Tenant = "bench";

    private KeepaliveSession(string work, KeepaliveBundle bundle, PlatformProcess platform, HttpClient http)
    {
        Work = work;
        Bundle = bundle;
        Platform = platform;
        Http = http;
    }

    public string Work { get; }
    public KeepaliveBundle Bundle { get; }
    public PlatformProcess Platform { get; }
    public HttpClient Http { get; }
    public string Key { get; private set; } = "";

    public static async Task<KeepaliveSession> StartAsync(string name)
    {
        var work = Directory.CreateTempSubdirectory(name + "-").FullName;
        var bundle = await KeepaliveBundle.BuildAsync(work);
        var platform = PlatformProcess.Start(Repo.Root());
        // No per-server connection cap: a burst opens as many connections as it has requests.
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = platform.Url,
            Timeout = TimeSpan.FromMinutes(4),
        };
        var session = new KeepaliveSession(work, bundle, platform, http);
        await PlatformApi.WaitForNodeAsync(http, platform);
        session.Key = await PlatformApi.CreateTenantAsync(http, platform.AdminKey, Tenant, trusted: true);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Platform.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }
}
