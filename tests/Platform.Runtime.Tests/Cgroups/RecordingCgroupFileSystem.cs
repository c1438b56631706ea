using Platform.Runtime.Cgroups;

namespace Platform.Runtime.Tests.Cgroups;

/// <summary>
/// The host file operations on a cgroup tree laid out in a temp dir, recording every write, and behaving like
/// cgroupfs where a plain directory cannot: rmdir of a cgroup holding interface files, and cgroup.freeze
/// reflected in cgroup.events.
/// </summary>
internal sealed class RecordingCgroupFileSystem : ICgroupFileSystem
{
    private readonly HostCgroupFileSystem _host = HostCgroupFileSystem.Instance;

    public List<(string Path, string Value)> Writes { get; } = [];

    public bool FileExists(string path) => _host.FileExists(path);
    public bool DirectoryExists(string path) => _host.DirectoryExists(path);
    public string ReadFile(string path) => _host.ReadFile(path);
    public void CreateDirectory(string path) => _host.CreateDirectory(path);
    public IEnumerable<string> GetDirectories(string path) => _host.GetDirectories(path);

    public void WriteFile(string path, string value)
    {
        _host.WriteFile(path, value);
        Writes.Add((path, value));
        if (Path.GetFileName(path) == "cgroup.freeze")
        {
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(path)!, "cgroup.events"), $"populated 1\nfrozen {value}\n");
        }
    }

    public bool TryRemoveDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        Marked.Remove(path);
        return true;
    }

    /// <summary>The created-for-container markers (an xattr on cgroupfs), kept here so no root is needed.</summary>
    public Dictionary<string, string> Marked { get; } = new(StringComparer.Ordinal);

    public void MarkCreated(string path, string owner) => Marked[path] = owner;

    public string? CreatedFor(string path) => Directory.Exists(path) && Marked.TryGetValue(path, out var owner) ? owner : null;

    public string? LastWrite(string path) => Writes.LastOrDefault(w => w.Path == path).Value;
}
