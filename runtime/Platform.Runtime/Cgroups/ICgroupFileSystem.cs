namespace Platform.Runtime.Cgroups;

/// <summary>
/// The file operations the managers need, so the v2 manager is unit-tested on a cgroup tree laid out in a
/// temp dir (where rmdir of a directory holding files would fail, unlike on cgroupfs).
/// </summary>
internal interface ICgroupFileSystem
{
    bool FileExists(string path);
    bool DirectoryExists(string path);
    string ReadFile(string path);
    /// <summary>One write(2) of the whole value, without creating the file: cgroupfs parses each write.</summary>
    void WriteFile(string path, string value);
    void CreateDirectory(string path);
    /// <summary>Removes an empty cgroup directory; false when the kernel says it is still busy (EBUSY).</summary>
    bool TryRemoveDirectory(string path);
    IEnumerable<string> GetDirectories(string path);
    /// <summary>
    /// Marks a cgroup directory as created for the container <paramref name="owner"/> (an xattr on cgroupfs), so
    /// any later process removes only the groups of the container it deletes.
    /// </summary>
    void MarkCreated(string path, string owner);
    /// <summary>The container a directory was created for; null when unmarked or the marker cannot be read.</summary>
    string? CreatedFor(string path);
}
