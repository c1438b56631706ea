namespace Platform.Runtime.Tests.Cli;

/// <summary>What a container may leave on the host: its state folder, cgroups, mounts and processes.</summary>
internal static class Leftovers
{
    public static void AssertNone(string stateRoot, string id, string rootfs)
    {
        Assert.False(Directory.Exists(Path.Combine(stateRoot, id)), $"state folder of {id} left behind");
        foreach (var hierarchy in Directory.Exists("/sys/fs/cgroup") ? Directory.EnumerateDirectories("/sys/fs/cgroup") : [])
        {
            Assert.False(Directory.Exists(Path.Combine(hierarchy, "platform-runtime", id)), $"cgroup {hierarchy}/platform-runtime/{id} left behind");
        }

        var mounts = File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(rootfs, StringComparison.Ordinal) || l.Contains(Path.Combine(stateRoot, id), StringComparison.Ordinal)).ToList();
        Assert.True(mounts.Count == 0, "mounts left behind: " + string.Join('\n', mounts));
        Assert.True(ProcessesIn(rootfs).Count == 0, $"processes left behind in {rootfs}: {string.Join(' ', ProcessesIn(rootfs))}");
    }

    /// <summary>Processes whose root directory is the container's rootfs.</summary>
    public static List<int> ProcessesIn(string rootfs)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (new DirectoryInfo(Path.Combine(dir, "root")).LinkTarget == rootfs)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Exited meanwhile.
            }
        }
        return found;
    }
}
