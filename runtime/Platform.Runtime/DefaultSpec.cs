using Platform.Runtime.Spec;

namespace Platform.Runtime;

/// <summary>The config.json that `spec` writes: runc's default (`runc spec`, and `--rootless`), so existing bundles and docs apply.</summary>
public static class DefaultSpec
{
    /// <summary>What runc 1.1 writes; crun 1.8 rejects newer minor versions, so this keeps generated bundles portable.</summary>
    public const string OciVersion = "1.0.2-dev";

    public static RuntimeSpec Create(bool rootless = false, uint hostUid = 0, uint hostGid = 0)
    {
        List<string> caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        var spec = new RuntimeSpec
        {
            OciVersion = OciVersion,
            Process = new Process
            {
                Terminal = true,
                User = new User { Uid = 0, Gid = 0 },
                Args = ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                Capabilities = new Capabilities { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps], Ambient = [.. caps] },
                Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
                NoNewPrivileges = true,
            },
            Root = new Root { Path = "rootfs", Readonly = true },
            Hostname = "platform",
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new Spec.Linux
            {
                Resources = new Resources { Devices = [new DeviceCgroup { Allow = false, Access = "rwm" }] },
                Namespaces =
                [
                    new Namespace { Type = "pid" }, new Namespace { Type = "network" }, new Namespace { Type = "ipc" },
                    new Namespace { Type = "uts" }, new Namespace { Type = "mount" }, new Namespace { Type = "cgroup" },
                ],
                MaskedPaths =
                [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
            },
        };
        if (rootless)
        {
            MakeRootless(spec, hostUid, hostGid);
        }

        return spec;
    }

    /// <summary>What `runc spec --rootless` changes: a user namespace mapping the caller to root, no network namespace, host /sys.</summary>
    private static void MakeRootless(RuntimeSpec spec, uint hostUid, uint hostGid)
    {
        var linux = spec.Linux!;
        linux.Resources = null;
        linux.Namespaces = [.. linux.Namespaces!.Where(n => n.Type != "network"), new Namespace { Type = "user" }];
        linux.UidMappings = [new IdMapping { ContainerId = 0, HostId = hostUid, Size = 1 }];
        linux.GidMappings = [new IdMapping { ContainerId = 0, HostId = hostGid, Size = 1 }];
        var mounts = spec.Mounts!;
        mounts.RemoveAll(m => m.Destination is "/sys" or "/sys/fs/cgroup" or "/dev/mqueue");
        mounts.Add(new Mount { Destination = "/sys", Type = "none", Source = "/sys", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
        var devpts = mounts.First(m => m.Destination == "/dev/pts");
        devpts.Options = [.. devpts.Options!.Where(o => o != "gid=5")];
    }
}
