using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.SpecReading;

/// <summary>
/// A spec with every property of every spec class set to a value other than its default (lists of two, maps of
/// two, numbers at the edges of their range), so a reader that drops any property is seen.
/// </summary>
internal static class MaximalSpec
{
    public static RuntimeSpec Create() => new()
    {
        OciVersion = "1.3.0",
        Root = new Root { Path = "root-fs", Readonly = true },
        Mounts = [MountAt("/a"), MountAt("/b")],
        Process = new Process
        {
            Terminal = true,
            ConsoleSize = new ConsoleSize { Height = 24, Width = uint.MaxValue },
            User = new User { Uid = 1000, Gid = uint.MaxValue, Umask = 0x12, AdditionalGids = [5, uint.MaxValue], Username = "nobody" },
            Args = ["/bin/sh", "-c \"quoted\" \\ \u00e9 \u2028 \ud83d\ude00"],
            CommandLine = "sh -c true",
            Env = ["PATH=/bin", "EMPTY="],
            Cwd = "/work",
            Capabilities = new Capabilities
            {
                Bounding = ["CAP_KILL", "CAP_CHOWN"], Effective = ["CAP_KILL", "CAP_SETUID"], Inheritable = ["CAP_KILL", "CAP_SETGID"],
                Permitted = ["CAP_KILL", "CAP_NET_RAW"], Ambient = ["CAP_KILL", "CAP_SYS_TIME"],
            },
            Rlimits = [new Rlimit { Type = "RLIMIT_NOFILE", Hard = ulong.MaxValue, Soft = 1024 }, new Rlimit { Type = "RLIMIT_NPROC", Hard = 2, Soft = 1 }],
            NoNewPrivileges = true,
            ApparmorProfile = "profile",
            OomScoreAdj = int.MinValue,
            SelinuxLabel = "system_u:system_r:container_t:s0",
            IoPriority = new IoPriority { Class = "IOPRIO_CLASS_RT", Priority = int.MinValue },
            Scheduler = new RefusedSection(),
            ExecCpuAffinity = new RefusedSection(),
        },
        Hostname = "host",
        Domainname = "example.org",
        Hooks = new Spec.Hooks
        {
            Prestart = HookList("prestart"), CreateRuntime = HookList("createRuntime"), CreateContainer = HookList("createContainer"),
            StartContainer = HookList("startContainer"), Poststart = HookList("poststart"), Poststop = HookList("poststop"),
        },
        Annotations = new() { ["org.example.key"] = "value", ["other"] = "" },
        Linux = new Spec.Linux
        {
            Namespaces = [new Namespace { Type = "pid", Path = "/proc/1/ns/pid" }, new Namespace { Type = "network", Path = "/run/netns/x" }],
            UidMappings = [Mapping(0), Mapping(1)],
            GidMappings = [Mapping(2), Mapping(3)],
            Devices =
            [
                new Device { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229, FileMode = 438, Uid = 1, Gid = 2 },
                new Device { Type = "b", Path = "/dev/sda", Major = long.MaxValue, Minor = long.MinValue, FileMode = uint.MaxValue, Uid = 3, Gid = 4 },
            ],
            CgroupsPath = "/platform/x",
            Resources = CreateResources(),
            RootfsPropagation = "rslave",
            Seccomp = new Spec.Seccomp
            {
                DefaultAction = "SCMP_ACT_ERRNO",
                DefaultErrnoRet = 1,
                Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
                Flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                ListenerPath = "/run/listener.sock",
                ListenerMetadata = "meta",
                Syscalls = [Syscall("read"), Syscall("write")],
            },
            Sysctl = new() { ["net.ipv4.ip_forward"] = "1", ["kernel.shmmax"] = "4096" },
            MaskedPaths = ["/proc/kcore", "/proc/keys"],
            ReadonlyPaths = ["/proc/sys", "/proc/bus"],
            MountLabel = "system_u:object_r:container_file_t:s0",
            Personality = new Personality { Domain = "LINUX32", Flags = ["a", "b"] },
            IntelRdt = new RefusedSection(),
            TimeOffsets = new RefusedSection(),
            MemoryPolicy = new RefusedSection(),
            NetDevices = new RefusedSection(),
        },
        Vm = new Vm
        {
            Hypervisor = new VmHypervisor { Path = "/usr/bin/platform-vmm", Parameters = ["--one", "--two"] },
            Kernel = new VmKernel { Path = "/boot/vmlinux", Parameters = ["console=ttyS0", "quiet"], Initrd = "/boot/initrd" },
            Image = new VmImage { Path = "/images/rootfs.ext4", Format = "raw" },
        },
    };

    private static Resources CreateResources() => new()
    {
        Devices =
        [
            new DeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
            new DeviceCgroup { Allow = true, Type = "b", Major = long.MinValue, Minor = long.MaxValue, Access = "r" },
        ],
        Memory = new MemoryResources
        {
            Limit = long.MaxValue, Reservation = 1 << 20, Swap = -1, Kernel = 2, KernelTcp = 3, Swappiness = ulong.MaxValue,
            DisableOomKiller = true, UseHierarchy = true, CheckBeforeUpdate = true,
        },
        Cpu = new CpuResources
        {
            Shares = 1024, Quota = -1, Burst = 5, Period = 100_000, RealtimeRuntime = long.MinValue, RealtimePeriod = ulong.MaxValue,
            Cpus = "0-1", Mems = "0", Idle = 1,
        },
        Pids = new PidsResources { Limit = -1 },
        BlockIo = new BlockIoResources
        {
            Weight = ushort.MaxValue,
            LeafWeight = 10,
            WeightDevice =
            [
                new WeightDevice { Major = 8, Minor = 1, Weight = 100, LeafWeight = 50 },
                new WeightDevice { Major = 8, Minor = 2, Weight = ushort.MaxValue, LeafWeight = 1 },
            ],
            ThrottleReadBpsDevice = Throttles(1),
            ThrottleWriteBpsDevice = Throttles(2),
            ThrottleReadIopsDevice = Throttles(3),
            ThrottleWriteIopsDevice = Throttles(4),
        },
        HugepageLimits = [new HugepageLimit { PageSize = "2MB", Limit = 1 }, new HugepageLimit { PageSize = "1GB", Limit = ulong.MaxValue }],
        Unified = new() { ["memory.high"] = "max", ["cpu.weight"] = "100" },
        Network = new RefusedSection(),
        Rdma = new RefusedSection(),
    };

    private static Mount MountAt(string destination) => new()
    {
        Destination = destination,
        Source = "/src" + destination,
        Options = ["bind", "ro"],
        Type = "bind",
        UidMappings = [Mapping(10), Mapping(11)],
        GidMappings = [Mapping(12), Mapping(13)],
    };

    private static IdMapping Mapping(uint n) => new() { ContainerId = n + 1, HostId = uint.MaxValue - n, Size = 65536 + n };

    private static List<Hook> HookList(string name) =>
    [
        new Hook { Path = "/bin/" + name, Args = [name, "one"], Env = ["A=1", "B=2"], Timeout = int.MaxValue },
        new Hook { Path = "/bin/" + name + "2", Args = [name, "two"], Env = ["C=3", "D=4"], Timeout = -5 },
    ];

    private static SyscallRule Syscall(string name) => new()
    {
        Names = [name, name + "v"],
        Action = "SCMP_ACT_ALLOW",
        ErrnoRet = uint.MaxValue,
        Args =
        [
            new SyscallArg { Index = 1, Value = 1, ValueTwo = 2, Op = "SCMP_CMP_EQ" },
            new SyscallArg { Index = 5, Value = ulong.MaxValue, ValueTwo = ulong.MaxValue - 1, Op = "SCMP_CMP_MASKED_EQ" },
        ],
    };

    private static List<ThrottleDevice> Throttles(long minor) =>
    [
        new ThrottleDevice { Major = 8, Minor = minor, Rate = ulong.MaxValue },
        new ThrottleDevice { Major = 259, Minor = minor + 10, Rate = 1 },
    ];
}
