using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>The `linux` section, but for `resources`.</summary>
internal static partial class SpecReader
{
    private static Linux? ReadLinux(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var linux = new Linux();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "namespaces"u8))
            {
                linux.Namespaces = ReadList(ref Next(ref json), ReadNamespace);
            }
            else if (Is(ref json, "uidMappings"u8))
            {
                linux.UidMappings = ReadList(ref Next(ref json), ReadIdMapping);
            }
            else if (Is(ref json, "gidMappings"u8))
            {
                linux.GidMappings = ReadList(ref Next(ref json), ReadIdMapping);
            }
            else if (Is(ref json, "devices"u8))
            {
                linux.Devices = ReadList(ref Next(ref json), ReadDevice);
            }
            else if (Is(ref json, "cgroupsPath"u8))
            {
                linux.CgroupsPath = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "resources"u8))
            {
                linux.Resources = ReadResources(ref Next(ref json));
            }
            else if (Is(ref json, "rootfsPropagation"u8))
            {
                linux.RootfsPropagation = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "seccomp"u8))
            {
                linux.Seccomp = ReadSeccomp(ref Next(ref json));
            }
            else if (Is(ref json, "sysctl"u8))
            {
                linux.Sysctl = ReadMap(ref Next(ref json));
            }
            else if (Is(ref json, "maskedPaths"u8))
            {
                linux.MaskedPaths = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "readonlyPaths"u8))
            {
                linux.ReadonlyPaths = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "mountLabel"u8))
            {
                linux.MountLabel = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "personality"u8))
            {
                linux.Personality = ReadPersonality(ref Next(ref json));
            }
            else if (Is(ref json, "intelRdt"u8))
            {
                linux.IntelRdt = ReadRefused(ref Next(ref json));
            }
            else if (Is(ref json, "timeOffsets"u8))
            {
                linux.TimeOffsets = ReadRefused(ref Next(ref json));
            }
            else if (Is(ref json, "memoryPolicy"u8))
            {
                linux.MemoryPolicy = ReadRefused(ref Next(ref json));
            }
            else if (Is(ref json, "netDevices"u8))
            {
                linux.NetDevices = ReadRefused(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return linux;
    }

    private static Namespace? ReadNamespace(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var ns = new Namespace();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "type"u8))
            {
                ns.Type = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "path"u8))
            {
                ns.Path = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return ns;
    }

    private static Device? ReadDevice(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var device = new Device();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "type"u8))
            {
                device.Type = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "path"u8))
            {
                device.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "major"u8))
            {
                device.Major = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "minor"u8))
            {
                device.Minor = ReadInt64(ref Next(ref json));
            }
            else if (Is(ref json, "fileMode"u8))
            {
                device.FileMode = ReadNullableUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "uid"u8))
            {
                device.Uid = ReadNullableUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "gid"u8))
            {
                device.Gid = ReadNullableUInt32(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return device;
    }

    private static Personality? ReadPersonality(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var personality = new Personality();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "domain"u8))
            {
                personality.Domain = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "flags"u8))
            {
                personality.Flags = ReadStrings(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return personality;
    }

    private static Seccomp? ReadSeccomp(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var seccomp = new Seccomp();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "defaultAction"u8))
            {
                seccomp.DefaultAction = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "defaultErrnoRet"u8))
            {
                seccomp.DefaultErrnoRet = ReadNullableUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "architectures"u8))
            {
                seccomp.Architectures = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "flags"u8))
            {
                seccomp.Flags = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "listenerPath"u8))
            {
                seccomp.ListenerPath = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "listenerMetadata"u8))
            {
                seccomp.ListenerMetadata = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "syscalls"u8))
            {
                seccomp.Syscalls = ReadList(ref Next(ref json), ReadSyscallRule);
            }
            else
            {
                json.Skip();
            }
        }
        return seccomp;
    }

    private static SyscallRule? ReadSyscallRule(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var rule = new SyscallRule();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "names"u8))
            {
                rule.Names = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "action"u8))
            {
                rule.Action = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "errnoRet"u8))
            {
                rule.ErrnoRet = ReadNullableUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "args"u8))
            {
                rule.Args = ReadList(ref Next(ref json), ReadSyscallArg);
            }
            else
            {
                json.Skip();
            }
        }
        return rule;
    }

    private static SyscallArg? ReadSyscallArg(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var arg = new SyscallArg();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "index"u8))
            {
                arg.Index = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "value"u8))
            {
                arg.Value = ReadUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "valueTwo"u8))
            {
                arg.ValueTwo = ReadUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "op"u8))
            {
                arg.Op = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return arg;
    }
}
