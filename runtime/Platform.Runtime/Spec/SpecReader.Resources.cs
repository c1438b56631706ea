using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>The `linux.resources` section.</summary>
internal static partial class SpecReader
{
    private static Resources? ReadResources(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var resources = new Resources();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "devices"u8))
            {
                resources.Devices = ReadList(ref Next(ref json), ReadDeviceCgroup);
            }
            else if (Is(ref json, "memory"u8))
            {
                resources.Memory = ReadMemory(ref Next(ref json));
            }
            else if (Is(ref json, "cpu"u8))
            {
                resources.Cpu = ReadCpu(ref Next(ref json));
            }
            else if (Is(ref json, "pids"u8))
            {
                resources.Pids = ReadPids(ref Next(ref json));
            }
            else if (Is(ref json, "blockIO"u8))
            {
                resources.BlockIo = ReadBlockIo(ref Next(ref json));
            }
            else if (Is(ref json, "hugepageLimits"u8))
            {
                resources.HugepageLimits = ReadList(ref Next(ref json), ReadHugepageLimit);
            }
            else if (Is(ref json, "unified"u8))
            {
                resources.Unified = ReadMap(ref Next(ref json));
            }
            else if (Is(ref json, "network"u8))
            {
                resources.Network = ReadRefused(ref Next(ref json));
            }
            else if (Is(ref json, "rdma"u8))
            {
                resources.Rdma = ReadRefused(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return resources;
    }

    private static DeviceCgroup? ReadDeviceCgroup(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var device = new DeviceCgroup();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "allow"u8))
            {
                device.Allow = ReadBool(ref Next(ref json));
            }
            else if (Is(ref json, "type"u8))
            {
                device.Type = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "major"u8))
            {
                device.Major = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "minor"u8))
            {
                device.Minor = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "access"u8))
            {
                device.Access = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return device;
    }

    private static MemoryResources? ReadMemory(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var memory = new MemoryResources();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "limit"u8))
            {
                memory.Limit = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "reservation"u8))
            {
                memory.Reservation = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "swap"u8))
            {
                memory.Swap = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "kernel"u8))
            {
                memory.Kernel = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "kernelTCP"u8))
            {
                memory.KernelTcp = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "swappiness"u8))
            {
                memory.Swappiness = ReadNullableUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "disableOOMKiller"u8))
            {
                memory.DisableOomKiller = ReadNullableBool(ref Next(ref json));
            }
            else if (Is(ref json, "useHierarchy"u8))
            {
                memory.UseHierarchy = ReadNullableBool(ref Next(ref json));
            }
            else if (Is(ref json, "checkBeforeUpdate"u8))
            {
                memory.CheckBeforeUpdate = ReadNullableBool(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return memory;
    }

    private static CpuResources? ReadCpu(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var cpu = new CpuResources();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "shares"u8))
            {
                cpu.Shares = ReadNullableUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "quota"u8))
            {
                cpu.Quota = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "burst"u8))
            {
                cpu.Burst = ReadNullableUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "period"u8))
            {
                cpu.Period = ReadNullableUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "realtimeRuntime"u8))
            {
                cpu.RealtimeRuntime = ReadNullableInt64(ref Next(ref json));
            }
            else if (Is(ref json, "realtimePeriod"u8))
            {
                cpu.RealtimePeriod = ReadNullableUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "cpus"u8))
            {
                cpu.Cpus = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "mems"u8))
            {
                cpu.Mems = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "idle"u8))
            {
                cpu.Idle = ReadNullableInt64(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return cpu;
    }

    private static PidsResources? ReadPids(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var pids = new PidsResources();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "limit"u8))
            {
                pids.Limit = ReadInt64(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return pids;
    }

    private static BlockIoResources? ReadBlockIo(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var blockIo = new BlockIoResources();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "weight"u8))
            {
                blockIo.Weight = ReadNullableUInt16(ref Next(ref json));
            }
            else if (Is(ref json, "leafWeight"u8))
            {
                blockIo.LeafWeight = ReadNullableUInt16(ref Next(ref json));
            }
            else if (Is(ref json, "weightDevice"u8))
            {
                blockIo.WeightDevice = ReadList(ref Next(ref json), ReadWeightDevice);
            }
            else if (Is(ref json, "throttleReadBpsDevice"u8))
            {
                blockIo.ThrottleReadBpsDevice = ReadList(ref Next(ref json), ReadThrottleDevice);
            }
            else if (Is(ref json, "throttleWriteBpsDevice"u8))
            {
                blockIo.ThrottleWriteBpsDevice = ReadList(ref Next(ref json), ReadThrottleDevice);
            }
            else if (Is(ref json, "throttleReadIOPSDevice"u8))
            {
                blockIo.ThrottleReadIopsDevice = ReadList(ref Next(ref json), ReadThrottleDevice);
            }
            else if (Is(ref json, "throttleWriteIOPSDevice"u8))
            {
                blockIo.ThrottleWriteIopsDevice = ReadList(ref Next(ref json), ReadThrottleDevice);
            }
            else
            {
                json.Skip();
            }
        }
        return blockIo;
    }

    private static WeightDevice? ReadWeightDevice(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var device = new WeightDevice();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "major"u8))
            {
                device.Major = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "minor"u8))
            {
                device.Minor = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "weight"u8))
            {
                device.Weight = ReadNullableUInt16(ref Next(ref json));
            }
            else if (Is(ref json, "leafWeight"u8))
            {
                device.LeafWeight = ReadNullableUInt16(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return device;
    }

    private static ThrottleDevice? ReadThrottleDevice(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var device = new ThrottleDevice();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "major"u8))
            {
                device.Major = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "minor"u8))
            {
                device.Minor = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "rate"u8))
            {
                device.Rate = ReadUInt64(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return device;
    }

    private static HugepageLimit? ReadHugepageLimit(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var limit = new HugepageLimit();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "pageSize"u8))
            {
                limit.PageSize = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "limit"u8))
            {
                limit.Limit = ReadUInt64(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return limit;
    }
}
