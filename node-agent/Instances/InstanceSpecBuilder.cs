using Platform.Contracts;
using Platform.Runtime.Spec;

namespace Platform.NodeAgent.Instances;

/// <summary>
/// Turns a tenant's config.json into what this node runs, in memory (the cached bundle is shared and never
/// rewritten): the platform's limits, environment and namespaces win over the bundle's, and whatever would
/// reach the host from a bundle (host-path binds, block devices or overlays mounted before pivot_root, hooks
/// that run on the host, joined namespaces, device nodes, sysctls, cgroup knobs, broad capabilities) is removed.
/// </summary>
internal static class InstanceSpecBuilder
{
    private const long CpuPeriodMicros = 100_000;

    /// <summary>
    /// runc's default capabilities, less MKNOD and AUDIT_WRITE which functions do not need, and NET_RAW: raw and
    /// packet sockets let a process forge traffic, and an HTTP function has no use for them.
    /// </summary>
    private static readonly HashSet<string> AllowedCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    ];

    /// <summary>Kernel pseudo-filesystems a function may mount: none of them takes a host path as its source.</summary>
    private static readonly HashSet<string> AllowedMountTypes = ["proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2"];

    private static readonly string[] RequiredNamespaces = ["pid", "network", "ipc", "uts", "mount"];

    private static readonly string[] DefaultMaskedPaths =
    [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ];

    private static readonly string[] DefaultReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>What a microVM instance boots: the node's guest kernel and the digest's root disk image.</summary>
    public sealed record MicroVm(string Kernel, string RootDisk);

    /// <param name="vm">Null for a Linux container; the machine for a microVM (the function's memory becomes its RAM, its CPU share its vCPUs).</param>
    /// <param name="hostId">The first host uid/gid of the instance's range (<see cref="HostIdRanges"/>) that container root maps to in a user namespace; null: no user namespace.</param>
    /// <param name="secrets">The function's secrets, as environment variables that win over the bundle's and the settings' env.</param>
    public static void Apply(RuntimeSpec spec, StartInstance command, NodeAgentOptions options, MicroVm? vm = null, uint? hostId = null,
        IReadOnlyDictionary<string, string>? secrets = null)
    {
        var settings = command.Spec;
        spec.Hooks = null;
        // The node alone picks the backend and what it boots: a tenant's own `vm` section would otherwise choose
        // a host file as kernel or disk, or turn a microVM into a container.
        spec.Vm = vm is null ? null : new Vm
        {
            Kernel = new VmKernel { Path = vm.Kernel },
            Image = new VmImage { Path = vm.RootDisk, Format = "raw" },
        };

        spec.Root ??= new Root { Path = "rootfs" };
        // Instances of one digest share the cached rootfs: read-only, with a private tmpfs for scratch.
        spec.Root.Readonly = true;

        var process = spec.Process ??= new Process();
        process.Terminal = false;
        process.Env = BuildEnv(process.Env, settings, secrets ?? new Dictionary<string, string>());
        process.Capabilities = RestrictCapabilities(process.Capabilities);
        process.NoNewPrivileges = true;

        spec.Mounts = (spec.Mounts ?? [])
            .Where(IsPseudoFilesystem)
            .Select(Harden)
            .ToList();
        if (!spec.Mounts.Any(m => m.Destination == "/tmp"))
        {
            spec.Mounts.Add(new Mount
            {
                Destination = "/tmp",
                Type = "tmpfs",
                Source = "tmpfs",
                Options = ["nosuid", "nodev", "mode=1777", $"size={options.TmpSizeMiB}m"],
            });
        }

        var linux = spec.Linux ??= new Linux();
        linux.Namespaces = BuildNamespaces(linux.Namespaces, userNamespace: hostId is not null);
        // Container uid/gid 0-65535 are an unprivileged host range: a process that got out would be nobody there.
        // The bundle's own mappings never apply (they could map to host root).
        IdMapping[]? mapping = hostId is { } first ? [new IdMapping { ContainerId = 0, HostId = first, Size = HostIdRanges.Size }] : null;
        linux.UidMappings = mapping?.ToList();
        linux.GidMappings = mapping?.ToList();
        // The platform's filter, never the bundle's: one of its own could allow anything.
        linux.Seccomp = DefaultSeccompProfile.Create();
        linux.Devices = null;
        linux.CgroupsPath = $"{options.CgroupParent.TrimEnd('/')}/{command.InstanceId}";
        // The bundle may mask more, never less ("maskedPaths": [] must not unmask /proc/kcore).
        linux.MaskedPaths = [.. DefaultMaskedPaths.Union(linux.MaskedPaths ?? [])];
        linux.ReadonlyPaths = [.. DefaultReadonlyPaths.Union(linux.ReadonlyPaths ?? [])];
        // A sysctl such as kernel.core_pattern is host-wide; functions get the kernel's defaults.
        linux.Sysctl = null;

        // Only the platform's limits: a bundle's unified/blockIO/hugepage knobs could lift them.
        linux.Resources = new Resources
        {
            // memory+swap equal to memory: a function over its limit is OOM-killed, never swapped to the host's disk.
            Memory = new MemoryResources { Limit = settings.MemoryMiB * 1024L * 1024L, Swap = settings.MemoryMiB * 1024L * 1024L },
            Cpu = new CpuResources { Period = CpuPeriodMicros, Quota = settings.CpuMillis * CpuPeriodMicros / 1000 },
            Pids = new PidsResources { Limit = options.PidsLimit },
            Devices = DefaultDeviceRules(),
        };

        spec.Annotations ??= [];
        spec.Annotations["platform.function"] = $"{command.Tenant}/{command.Function}";
        spec.Annotations["platform.version"] = command.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    // The bundle's env, then the settings' env, then secrets: a later layer replaces a name of an earlier one.
    // PORT is always the platform's.
    private static List<string> BuildEnv(List<string>? bundleEnv, InstanceSpec settings, IReadOnlyDictionary<string, string> secrets)
    {
        var overrides = new Dictionary<string, string>(settings.Env, StringComparer.Ordinal);
        foreach (var (name, value) in secrets)
        {
            overrides[name] = value;
        }

        overrides.Remove("PORT");
        var env = (bundleEnv ?? []).Where(entry => entry.Split('=', 2)[0] is var name && name != "PORT" && !overrides.ContainsKey(name)).ToList();
        env.AddRange(overrides.Select(o => $"{o.Key}={o.Value}"));
        env.Add($"PORT={settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        return env;
    }

    private static Capabilities RestrictCapabilities(Capabilities? requested)
    {
        static List<string> Keep(List<string>? set) => (set ?? []).Where(AllowedCapabilities.Contains).Distinct().ToList();
        return new Capabilities
        {
            Bounding = Keep(requested?.Bounding),
            Effective = Keep(requested?.Effective),
            Permitted = Keep(requested?.Permitted),
            Inheritable = [],
            Ambient = [],
        };
    }

    // A fresh namespace of every required kind (and a user namespace when the node maps one); the bundle may add
    // a cgroup namespace but never join a path, nor bring a user namespace with its own mappings.
    private static List<Namespace> BuildNamespaces(List<Namespace>? requested, bool userNamespace)
    {
        var types = RequiredNamespaces.ToList();
        if (userNamespace)
        {
            types.Add("user");
        }

        foreach (var ns in requested ?? [])
        {
            if (ns.Type is { } type && type != "user" && ns.Path is null && !types.Contains(type))
            {
                types.Add(type);
            }
        }

        return types.Select(t => new Namespace { Type = t }).ToList();
    }

    private static bool IsPseudoFilesystem(Mount mount) =>
        mount.Type is { } type && AllowedMountTypes.Contains(type)
        && !(mount.Source ?? "").Contains('/')
        && !(mount.Options ?? []).Any(o => o is "bind" or "rbind");

    // sysfs and cgroupfs describe the host: read-only whatever the bundle asked. None of proc, sysfs and cgroupfs
    // gets set-uid programs, device nodes or executables (tmpfs and devpts keep theirs: /dev needs its nodes).
    private static Mount Harden(Mount mount)
    {
        if (mount.Type is not ("proc" or "sysfs" or "cgroup" or "cgroup2"))
        {
            return mount;
        }

        var options = (mount.Options ?? []).Where(o => o is not ("rw" or "suid" or "dev" or "exec")).ToList();
        options.AddRange(mount.Type == "proc" ? ["nosuid", "nodev", "noexec"] : ["ro", "nosuid", "nodev", "noexec"]);
        mount.Options = options.Distinct().ToList();
        return mount;
    }

    private static List<DeviceCgroup> DefaultDeviceRules() =>
    [
        new() { Allow = false, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 7, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 8, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 1, Minor = 9, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 0, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 5, Minor = 2, Access = "rwm" },
        new() { Allow = true, Type = "c", Major = 136, Access = "rwm" },
    ];
}
