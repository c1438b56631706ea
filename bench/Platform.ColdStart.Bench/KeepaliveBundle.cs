namespace Platform.ColdStart.Bench;

/// <summary>samples/keepalive built twice from one source: the archive the platform takes, the directory crun takes.</summary>
internal sealed record KeepaliveBundle(byte[] Archive, string Directory)
{
    /// <summary>The sample's config.json sets PORT=8080 for crun; the platform sets the same default.</summary>
    public const int Port = 8080;

    public static async Task<KeepaliveBundle> BuildAsync(string work)
    {
        var archive = Path.Combine(work, "keepalive.tar.gz");
        var directory = Path.Combine(work, "keepalive");
        await Repo.RunScriptAsync("samples/keepalive/build", archive);
        await Repo.RunScriptAsync("samples/keepalive/build", "--dir", directory);
        return new KeepaliveBundle(await File.ReadAllBytesAsync(archive), directory);
    }
}
