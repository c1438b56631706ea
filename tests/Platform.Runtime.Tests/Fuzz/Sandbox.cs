namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// A temp folder with an "outside" folder holding a sentinel file, and a fresh target path beside it per case.
/// Generated link targets name <see cref="Outside"/> (absolute, and as "../outside" from a target), so a write
/// through a link would land there: whatever a hostile archive does, it must read the same afterwards, and
/// nothing but the case's target may appear next to it.
/// </summary>
internal sealed class Sandbox : IDisposable
{
    private const string SentinelText = "must not change";

    public Sandbox()
    {
        Root = Directory.CreateTempSubdirectory("platform-fuzz-").FullName;
        Outside = Path.Join(Root, "outside");
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Join(Outside, "sentinel"), SentinelText);
    }

    public string Root { get; }

    public string Outside { get; }

    /// <summary>A path that does not exist yet (the extractor wants to create it), beside <see cref="Outside"/>.</summary>
    public string NewTarget() => Path.Join(Root, "target-" + Guid.NewGuid().ToString("N"));

    /// <summary>Fails when anything was written outside <paramref name="target"/>, then removes the target.</summary>
    public void AssertNothingEscapedAndClean(string target)
    {
        Assert.Equal([Path.Join(Outside, "sentinel")], Directory.GetFileSystemEntries(Outside));
        Assert.Equal(SentinelText, File.ReadAllText(Path.Join(Outside, "sentinel")));
        Assert.Subset(new HashSet<string>([Outside, target]), new HashSet<string>(Directory.GetFileSystemEntries(Root)));
        if (Directory.Exists(target))
        {
            // Entries may have come out with mode 0; as root that does not stop the delete, and links are removed, not followed.
            Directory.Delete(target, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
