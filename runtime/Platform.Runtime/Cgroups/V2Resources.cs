using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>
/// Writes <c>linux.resources</c> to the v2 interface files, converting v1-style values the way runc and crun
/// do (shares → cpu.weight, quota/period → cpu.max, memory+swap → swap only, blkio weight → io.weight).
/// </summary>
internal static class V2Resources
{
    public static void Apply(V2Cgroup cgroup, ICgroupFileSystem fs, Resources resources)
    {
        EnableControllers(cgroup, fs, NeededControllers(resources));
        string dir = cgroup.Directory;

        if (resources.Memory is { } memory)
        {
            SetMemory(dir, fs, memory);
        }
        if (resources.Cpu is { } cpu)
        {
            SetCpu(dir, fs, cpu);
        }
        if (resources.Pids is { } pids)
        {
            Write(fs, dir, "pids.max", pids.Limit > 0 ? CgroupTree.Format(pids.Limit) : "max");
        }
        if (resources.BlockIo is { } io)
        {
            SetIo(dir, fs, io);
        }
        for (int i = 0; i < (resources.HugepageLimits?.Count ?? 0); i++)
        {
            var limit = resources.HugepageLimits![i];
            string size = Hugepages.ValidatePageSize(limit.PageSize, $"linux.resources.hugepageLimits[{i}].pageSize");
            Write(fs, dir, $"hugetlb.{size}.max", CgroupTree.Format(limit.Limit));
        }
        foreach (var (key, value) in resources.Unified ?? [])
        {
            string file = Path.Combine(dir, ValidateUnifiedKey(key));
            if (!fs.FileExists(file))
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, $"linux.resources.unified[\"{key}\"]: no such cgroup v2 file (is its controller available?)");
            }
            fs.WriteFile(file, value);
        }
        if (resources.Devices is { } devices)
        {
            V2DeviceFilter.Apply(dir, DefaultDeviceRules.WithDefaults(devices));
        }
    }

    private static void Write(ICgroupFileSystem fs, string dir, string file, string value) =>
        fs.WriteFile(Path.Combine(dir, file), value);

    private static List<string> NeededControllers(Resources r)
    {
        var needed = new List<string>();
        if (r.Memory is not null)
        {
            needed.Add("memory");
        }
        if (r.Cpu is { } cpu && (cpu.Shares is > 0 || cpu.Period is > 0 || (cpu.Quota ?? 0) != 0 || cpu.Burst is not null
            || cpu.Idle is not null))
        {
            needed.Add("cpu");
        }
        if (!string.IsNullOrEmpty(r.Cpu?.Cpus) || !string.IsNullOrEmpty(r.Cpu?.Mems))
        {
            needed.Add("cpuset");
        }
        if (r.Pids is not null)
        {
            needed.Add("pids");
        }
        if (r.BlockIo is not null)
        {
            needed.Add("io");
        }
        if (r.HugepageLimits is { Count: > 0 })
        {
            needed.Add("hugetlb");
        }
        foreach (var key in r.Unified?.Keys ?? Enumerable.Empty<string>())
        {
            string controller = key.Split('.')[0];
            if (controller != "cgroup" && !needed.Contains(controller))
            {
                needed.Add(controller);
            }
        }
        return needed;
    }

    /// <summary>
    /// A controller's files appear in a cgroup only when every ancestor lists it in cgroup.subtree_control:
    /// enable just the ones these resources need, from the root down to the parent.
    /// </summary>
    private static void EnableControllers(V2Cgroup cgroup, ICgroupFileSystem fs, List<string> needed)
    {
        if (needed.Count == 0)
        {
            return;
        }
        var available = fs.ReadFile(Path.Combine(cgroup.Root, "cgroup.controllers")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var controller in needed)
        {
            if (!available.Contains(controller))
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, $"cgroup: the {controller} controller is not available in this host's cgroup v2 ({cgroup.Root}/cgroup.controllers)");
            }
        }
        string dir = cgroup.Root;
        foreach (var segment in cgroup.Path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string control = Path.Combine(dir, "cgroup.subtree_control");
            var enabled = fs.ReadFile(control).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var missing = needed.Where(c => !enabled.Contains(c)).ToList();
            if (missing.Count > 0)
            {
                fs.WriteFile(control, string.Join(' ', missing.Select(c => "+" + c)));
            }
            dir = Path.Combine(dir, segment);
        }
    }

    private static void SetMemory(string dir, ICgroupFileSystem fs, MemoryResources memory)
    {
        if (memory.Limit is { } limit && limit != 0)
        {
            Write(fs, dir, "memory.max", limit > 0 ? CgroupTree.Format(limit) : "max");
        }
        if (memory.Reservation is { } reservation && reservation != 0)
        {
            Write(fs, dir, "memory.low", reservation > 0 ? CgroupTree.Format(reservation) : "max");
        }
        if (memory.Swap is { } swap && swap != 0)
        {
            // The spec's swap is memory+swap (v1 memsw); v2 limits swap alone.
            string value;
            if (swap == -1)
            {
                value = "max";
            }
            else if (memory.Limit is not { } l || l <= 0)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, "linux.resources.memory.swap: on cgroup v2 a swap limit needs a positive memory.limit");
            }
            else if (swap < l)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.resources.memory.swap: {swap} is below memory.limit {l} (swap is memory+swap)");
            }
            else
            {
                value = CgroupTree.Format(swap - l);
            }
            string file = Path.Combine(dir, "memory.swap.max");
            if (fs.FileExists(file))
            {
                fs.WriteFile(file, value);
            }
            else if (value is not ("max" or "0"))
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.resources.memory.swap: this host has no swap accounting (memory.swap.max)");
            }
        }
        if (memory.DisableOomKiller == true)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer");
        }
        // swappiness, kernel and kernelTCP have no v2 equivalent; crun ignores them too.
    }

    private static void SetCpu(string dir, ICgroupFileSystem fs, CpuResources cpu)
    {
        if (cpu.Shares is { } shares && shares != 0)
        {
            Write(fs, dir, "cpu.weight", CgroupTree.Format(SharesToWeight(shares)));
        }
        if ((cpu.Quota ?? 0) != 0 || (cpu.Period ?? 0) != 0)
        {
            string quota = cpu.Quota is { } q && q > 0 ? CgroupTree.Format(q) : "max";
            ulong period = cpu.Period is { } p && p != 0 ? p : 100_000;
            Write(fs, dir, "cpu.max", $"{quota} {period}");
        }
        if (cpu.Burst is { } burst)
        {
            Write(fs, dir, "cpu.max.burst", CgroupTree.Format(burst));
        }
        if (cpu.Idle is { } idle)
        {
            Write(fs, dir, "cpu.idle", CgroupTree.Format(idle));
        }
        if ((cpu.RealtimePeriod ?? 0) != 0 || (cpu.RealtimeRuntime ?? 0) != 0)
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime scheduling limits");
        }
        if (!string.IsNullOrEmpty(cpu.Cpus))
        {
            Write(fs, dir, "cpuset.cpus", cpu.Cpus);
        }
        if (!string.IsNullOrEmpty(cpu.Mems))
        {
            Write(fs, dir, "cpuset.mems", cpu.Mems);
        }
    }

    /// <summary>Maps shares [2, 262144] onto weight [1, 10000] linearly (runc's conversion).</summary>
    internal static ulong SharesToWeight(ulong shares) => 1 + ((Math.Clamp(shares, 2, 262_144) - 2) * 9999 / 262_142);

    /// <summary>Maps a blkio weight [10, 1000] onto io.weight [1, 10000] linearly.</summary>
    internal static ulong BlkioToIoWeight(ulong weight) => 1 + ((Math.Clamp(weight, 10, 1000) - 10) * 9999 / 990);

    private static void SetIo(string dir, ICgroupFileSystem fs, BlockIoResources io)
    {
        // With BFQ the weight file takes blkio's scale as is; otherwise io.weight with its own scale.
        bool bfq = fs.FileExists(Path.Combine(dir, "io.bfq.weight"));
        if (io.Weight is { } weight && weight != 0)
        {
            Write(fs, dir, bfq ? "io.bfq.weight" : "io.weight",
                bfq ? CgroupTree.Format(weight) : $"default {BlkioToIoWeight(weight)}");
        }
        foreach (var device in io.WeightDevice ?? [])
        {
            if (device.Weight is { } w)
            {
                Write(fs, dir, bfq ? "io.bfq.weight" : "io.weight",
                    $"{device.Major}:{device.Minor} {(bfq ? w : BlkioToIoWeight(w))}");
            }
        }
        WriteMax(io.ThrottleReadBpsDevice, "rbps");
        WriteMax(io.ThrottleWriteBpsDevice, "wbps");
        WriteMax(io.ThrottleReadIopsDevice, "riops");
        WriteMax(io.ThrottleWriteIopsDevice, "wiops");

        void WriteMax(List<ThrottleDevice>? devices, string key)
        {
            foreach (var device in devices ?? [])
            {
                Write(fs, dir, "io.max", $"{device.Major}:{device.Minor} {key}={(device.Rate == 0 ? "max" : CgroupTree.Format(device.Rate))}");
            }
        }
    }

    private static string ValidateUnifiedKey(string key)
    {
        if (key.Length == 0 || key.Contains('/') || key.Contains('\0') || key is "." or ".." || !key.Contains('.'))
        {
            throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.resources.unified[\"{key}\"]: not a cgroup v2 file name");
        }
        return key;
    }
}
