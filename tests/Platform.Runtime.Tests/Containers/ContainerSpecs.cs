using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Linux;

namespace Platform.Runtime.Tests.Containers;

/// <summary>The Linux tests' runc-shaped specs (<see cref="TestSpecs"/>) plus a private tmpfs at /tmp.</summary>
internal static class ContainerSpecs
{
    /// <summary>
    /// A `sh -c` container. The busybox rootfs is shared by every container test, so what a script writes
    /// goes to its own /tmp tmpfs, never into the rootfs.
    /// </summary>
    public static RuntimeSpec Shell(string rootfs, string script)
    {
        var spec = TestSpecs.Shell(rootfs, script);
        spec.Mounts!.Add(new Mount { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev", "mode=1777", "size=16m"] });
        return spec;
    }
}
