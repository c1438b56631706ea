using Microsoft.Win32.SafeHandles;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// A container created ahead of need and not started (<see cref="ContainerPool"/>): its init waits on the exec
/// fifo, its namespaces and cgroup exist, its stdout/stderr FIFOs are made. Named by a fresh id of its own (its
/// container id, directory and cgroup), since the instance it will serve does not exist yet.
/// </summary>
internal sealed class SpareContainer(string key, Guid functionId, Guid id, string directory) : IDisposable
{
    /// <summary>What it was made for (<see cref="ContainerPool.KeyOf"/>): only a start with the same key may take it.</summary>
    public string Key { get; } = key;

    public Guid FunctionId { get; } = functionId;

    public string ContainerId { get; } = id.ToString();

    public string Directory { get; } = directory;

    public int Pid { get; set; }

    public uint? HostId { get; set; }

    public SafeFileHandle? Netns { get; set; }

    /// <summary>The agent's read ends of the FIFOs; the log pumps take them over when an instance claims the spare.</summary>
    public SafeFileHandle? Stdout { get; set; }

    public SafeFileHandle? Stderr { get; set; }

    /// <summary>Hands the handles over: after this, disposing the spare closes nothing of the instance.</summary>
    public void Release()
    {
        Netns = null;
        Stdout = null;
        Stderr = null;
    }

    public void Dispose()
    {
        Netns?.Dispose();
        Stdout?.Dispose();
        Stderr?.Dispose();
    }
}
