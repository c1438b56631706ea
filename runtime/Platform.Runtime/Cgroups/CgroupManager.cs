using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// Creates and reopens container cgroups on whatever the host has under its cgroup root: the unified v2 tree
/// (when the root holds cgroup.controllers) or v1 hierarchies (from /proc/self/mountinfo).
/// </summary>
public sealed class CgroupManager
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    private readonly CgroupHost _host;
    private readonly ICgroupFileSystem _fs;
    private readonly string _ownCgroup;

    /// <param name="root">Where the cgroup filesystem(s) are mounted.</param>
    public CgroupManager(string root = DefaultRoot)
        : this(root, HostCgroupFileSystem.Instance, File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"))
    {
    }

    internal CgroupManager(string root, ICgroupFileSystem fs, string mountInfo, string procSelfCgroup)
    {
        _fs = fs;
        _host = CgroupHost.Probe(root, fs, mountInfo);
        _ownCgroup = CgroupPath.OwnCgroup(procSelfCgroup);
    }

    public CgroupVersion Version => _host.Version;

    /// <summary>The absolute cgroup path a container gets for <c>linux.cgroupsPath</c> (see <see cref="ICgroup.Path"/>).</summary>
    public string ResolvePath(string id, string? cgroupsPath) => CgroupPath.Resolve(id, cgroupsPath, _ownCgroup);

    /// <summary>
    /// Creates the container's cgroup and applies <paramref name="resources"/>. On failure nothing created is
    /// left behind. An existing cgroup at that path is joined, as runc does, and never removed by
    /// <see cref="ICgroup.Destroy"/> (the directories made here carry a marker; see ICgroupFileSystem.MarkCreated).
    /// </summary>
    public ICgroup Create(string id, string? cgroupsPath, Resources? resources)
    {
        string path = ResolvePath(id, cgroupsPath);
        var cgroup = Instantiate(path, id);
        try
        {
            if (cgroup is V1Cgroup v1)
            {
                v1.Create();
            }
            else
            {
                ((V2Cgroup)cgroup).Create();
            }
            if (resources is not null)
            {
                cgroup.Set(resources);
            }
        }
        catch
        {
            try
            {
                cgroup.Destroy();
            }
            catch (RuntimeException)
            {
                // Keep the original error: it says why; a leftover empty cgroup is removed by delete --force.
            }
            throw;
        }
        return cgroup;
    }

    /// <summary>
    /// Reopens the cgroup of container <paramref name="id"/> by its persisted <see cref="ICgroup.Path"/>; it need
    /// not exist (delete --force). Its Destroy removes only directories made for that container.
    /// </summary>
    public ICgroup Open(string path, string id) => Instantiate(CgroupPath.Normalize(path, "cgroup path"), id);

    private ICgroup Instantiate(string path, string id) => _host.Version == CgroupVersion.V2
        ? new V2Cgroup(_host, _fs, path, id)
        : new V1Cgroup(_host, _fs, path, id);
}
