using Platform.Runtime.Spec;

namespace Platform.Runtime.Cgroups;

/// <summary>Writes <c>linux.resources</c> to the v1 controller files, in the order the kernel accepts.</summary>
internal static class V1Resources
{
    public static void Apply(V1Cgroup cgroup, ICgroupFileSystem fs, Resources resources)
    {
        if (resources.Unified is { Count: > 0 })
        {
            throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.resources.unified: needs cgroup v2, but this host's controllers are on cgroup v1");
        }
        if (resources.Memory is { } memory)
        {
            SetMemory(Controller(cgroup, "memory", "linux.resources.memory"), fs, memory);
        }
        if (resources.Cpu is { } cpu)
        {
            SetCpu(cgroup, fs, cpu);
        }
        if (resources.Pids is { } pids)
        {
            Write(fs, Controller(cgroup, "pids", "linux.resources.pids"), "pids.max",
                pids.Limit > 0 ? CgroupTree.Format(pids.Limit) : "max");
        }
        if (resources.BlockIo is { } blockIo)
        {
            SetBlockIo(Controller(cgroup, "blkio", "linux.resources.blockIO"), fs, blockIo);
        }
        if (resources.HugepageLimits is { Count: > 0 } hugepages)
        {
            string dir = Controller(cgroup, "hugetlb", "linux.resources.hugepageLimits");
            for (int i = 0; i < hugepages.Count; i++)
            {
                string size = Hugepages.ValidatePageSize(hugepages[i].PageSize, $"linux.resources.hugepageLimits[{i}].pageSize");
                Write(fs, dir, $"hugetlb.{size}.limit_in_bytes", CgroupTree.Format(hugepages[i].Limit));
            }
        }
        if (resources.Devices is { } devices)
        {
            SetDevices(Controller(cgroup, "devices", "linux.resources.devices"), fs, devices);
        }
    }

    private static string Controller(V1Cgroup cgroup, string controller, string jsonPath) =>
        cgroup.DirectoryOf(controller)
        ?? throw new RuntimeException(RuntimeErrorKind.Unsupported, $"{jsonPath}: the {controller} cgroup controller is not mounted on this host");

    private static void Write(ICgroupFileSystem fs, string dir, string file, string value) =>
        fs.WriteFile(Path.Combine(dir, file), value);

    private static void SetMemory(string dir, ICgroupFileSystem fs, MemoryResources memory)
    {
        const string Limit = "memory.limit_in_bytes", Swap = "memory.memsw.limit_in_bytes";
        bool hasSwapFile = fs.FileExists(Path.Combine(dir, Swap));
        if (memory.Swap is { } swap && swap != 0 && !hasSwapFile)
        {
            // Without swap accounting there is no swap to limit: only "unlimited" or "none beyond memory" fit.
            if (swap != -1 && swap != memory.Limit)
            {
                throw new RuntimeException(RuntimeErrorKind.Unsupported, "linux.resources.memory.swap: this host has no swap accounting (memory.memsw.*)");
            }
        }
        else if (memory.Swap is { } memsw && memsw != 0)
        {
            if (memory.Limit is { } l && l > 0 && memsw > 0 && memsw < l)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.resources.memory.swap: {memsw} is below memory.limit {l} (swap is memory+swap)");
            }
            // memory ≤ memory+swap must hold after every single write: raise memsw first when it grows.
            ulong current = CgroupTree.ReadUInt64(fs, Path.Combine(dir, Swap));
            ulong wanted = memsw < 0 ? ulong.MaxValue : (ulong)memsw;
            if (wanted >= current)
            {
                Write(fs, dir, Swap, CgroupTree.Format(memsw));
                WriteLimit();
            }
            else
            {
                WriteLimit();
                Write(fs, dir, Swap, CgroupTree.Format(memsw));
            }
        }
        else
        {
            WriteLimit();
        }

        if (memory.Reservation is { } reservation && reservation != 0)
        {
            Write(fs, dir, "memory.soft_limit_in_bytes", CgroupTree.Format(reservation));
        }
        if (memory.Swappiness is { } swappiness)
        {
            if (swappiness > 100)
            {
                throw new RuntimeException(RuntimeErrorKind.InvalidConfig, $"linux.resources.memory.swappiness: {swappiness} is out of range (0-100)");
            }
            Write(fs, dir, "memory.swappiness", CgroupTree.Format(swappiness));
        }
        if (memory.DisableOomKiller == true)
        {
            Write(fs, dir, "memory.oom_control", "1");
        }
        if (memory.KernelTcp is { } tcp && tcp != 0)
        {
            Write(fs, dir, "memory.kmem.tcp.limit_in_bytes", CgroupTree.Format(tcp));
        }
        // memory.kmem.limit_in_bytes is deprecated and refused by current kernels (runc ignores it too).
        if (memory.UseHierarchy is { } hierarchy)
        {
            Write(fs, dir, "memory.use_hierarchy", hierarchy ? "1" : "0");
        }

        void WriteLimit()
        {
            if (memory.Limit is { } limit && limit != 0)
            {
                Write(fs, dir, Limit, CgroupTree.Format(limit));
            }
        }
    }

    private static void SetCpu(V1Cgroup cgroup, ICgroupFileSystem fs, CpuResources cpu)
    {
        bool needsCpu = cpu.Shares is not null || cpu.Period is not null || cpu.Quota is not null || cpu.Burst is not null
            || cpu.RealtimePeriod is not null || cpu.RealtimeRuntime is not null || cpu.Idle is not null;
        if (needsCpu)
        {
            string dir = Controller(cgroup, "cpu", "linux.resources.cpu");
            if (cpu.Shares is { } shares && shares != 0)
            {
                Write(fs, dir, "cpu.shares", CgroupTree.Format(shares));
            }
            if (cpu.Period is { } period && period != 0)
            {
                Write(fs, dir, "cpu.cfs_period_us", CgroupTree.Format(period));
            }
            if (cpu.Quota is { } quota && quota != 0)
            {
                Write(fs, dir, "cpu.cfs_quota_us", CgroupTree.Format(quota > 0 ? quota : -1));
            }
            if (cpu.Burst is { } burst)
            {
                Write(fs, dir, "cpu.cfs_burst_us", CgroupTree.Format(burst));
            }
            // The period bounds the runtime: set it first.
            if (cpu.RealtimePeriod is { } rtPeriod && rtPeriod != 0)
            {
                Write(fs, dir, "cpu.rt_period_us", CgroupTree.Format(rtPeriod));
            }
            if (cpu.RealtimeRuntime is { } rtRuntime && rtRuntime != 0)
            {
                Write(fs, dir, "cpu.rt_runtime_us", CgroupTree.Format(rtRuntime));
            }
            if (cpu.Idle is { } idle)
            {
                Write(fs, dir, "cpu.idle", CgroupTree.Format(idle));
            }
        }
        if (!string.IsNullOrEmpty(cpu.Cpus))
        {
            Write(fs, Controller(cgroup, "cpuset", "linux.resources.cpu.cpus"), "cpuset.cpus", cpu.Cpus);
        }
        if (!string.IsNullOrEmpty(cpu.Mems))
        {
            Write(fs, Controller(cgroup, "cpuset", "linux.resources.cpu.mems"), "cpuset.mems", cpu.Mems);
        }
    }

    private static void SetBlockIo(string dir, ICgroupFileSystem fs, BlockIoResources io)
    {
        // Kernels without CFQ expose the weights only through BFQ.
        string weightFile = fs.FileExists(Path.Combine(dir, "blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
        string weightDeviceFile = fs.FileExists(Path.Combine(dir, "blkio.weight_device")) ? "blkio.weight_device" : "blkio.bfq.weight_device";
        if (io.Weight is { } weight && weight != 0)
        {
            Write(fs, dir, weightFile, CgroupTree.Format(weight));
        }
        if (io.LeafWeight is { } leaf && leaf != 0)
        {
            Write(fs, dir, "blkio.leaf_weight", CgroupTree.Format(leaf));
        }
        foreach (var device in io.WeightDevice ?? [])
        {
            if (device.Weight is { } w)
            {
                Write(fs, dir, weightDeviceFile, $"{device.Major}:{device.Minor} {w}");
            }
            if (device.LeafWeight is { } lw)
            {
                Write(fs, dir, "blkio.leaf_weight_device", $"{device.Major}:{device.Minor} {lw}");
            }
        }
        WriteThrottles(io.ThrottleReadBpsDevice, "blkio.throttle.read_bps_device");
        WriteThrottles(io.ThrottleWriteBpsDevice, "blkio.throttle.write_bps_device");
        WriteThrottles(io.ThrottleReadIopsDevice, "blkio.throttle.read_iops_device");
        WriteThrottles(io.ThrottleWriteIopsDevice, "blkio.throttle.write_iops_device");

        void WriteThrottles(List<ThrottleDevice>? devices, string file)
        {
            foreach (var device in devices ?? [])
            {
                Write(fs, dir, file, $"{device.Major}:{device.Minor} {device.Rate}");
            }
        }
    }

    /// <summary>
    /// Starts from "deny everything" then replays the rules in order (later ones win), followed by the
    /// devices every container needs.
    /// </summary>
    private static void SetDevices(string dir, ICgroupFileSystem fs, List<DeviceCgroup> devices)
    {
        var rules = DefaultDeviceRules.WithDefaults(devices);
        Write(fs, dir, "devices.deny", "a");
        foreach (var rule in rules)
        {
            Write(fs, dir, rule.Allow ? "devices.allow" : "devices.deny", DefaultDeviceRules.Format(rule));
        }
    }
}
