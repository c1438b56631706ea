using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>The `process` section.</summary>
internal static partial class SpecReader
{
    private static Process? ReadProcess(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var process = new Process();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "terminal"u8))
            {
                process.Terminal = ReadBool(ref Next(ref json));
            }
            else if (Is(ref json, "consoleSize"u8))
            {
                process.ConsoleSize = ReadConsoleSize(ref Next(ref json));
            }
            else if (Is(ref json, "user"u8))
            {
                process.User = ReadUser(ref Next(ref json));
            }
            else if (Is(ref json, "args"u8))
            {
                process.Args = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "commandLine"u8))
            {
                process.CommandLine = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "env"u8))
            {
                process.Env = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "cwd"u8))
            {
                process.Cwd = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "capabilities"u8))
            {
                process.Capabilities = ReadCapabilities(ref Next(ref json));
            }
            else if (Is(ref json, "rlimits"u8))
            {
                process.Rlimits = ReadList(ref Next(ref json), ReadRlimit);
            }
            else if (Is(ref json, "noNewPrivileges"u8))
            {
                process.NoNewPrivileges = ReadBool(ref Next(ref json));
            }
            else if (Is(ref json, "apparmorProfile"u8))
            {
                process.ApparmorProfile = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "oomScoreAdj"u8))
            {
                process.OomScoreAdj = ReadNullableInt32(ref Next(ref json));
            }
            else if (Is(ref json, "selinuxLabel"u8))
            {
                process.SelinuxLabel = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "ioPriority"u8))
            {
                process.IoPriority = ReadIoPriority(ref Next(ref json));
            }
            else if (Is(ref json, "scheduler"u8))
            {
                process.Scheduler = ReadRefused(ref Next(ref json));
            }
            else if (Is(ref json, "execCPUAffinity"u8))
            {
                process.ExecCpuAffinity = ReadRefused(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return process;
    }

    private static IoPriority? ReadIoPriority(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var priority = new IoPriority();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "class"u8))
            {
                priority.Class = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "priority"u8))
            {
                priority.Priority = ReadInt32(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return priority;
    }

    private static ConsoleSize? ReadConsoleSize(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var size = new ConsoleSize();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "height"u8))
            {
                size.Height = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "width"u8))
            {
                size.Width = ReadUInt32(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return size;
    }

    private static User? ReadUser(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var user = new User();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "uid"u8))
            {
                user.Uid = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "gid"u8))
            {
                user.Gid = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "umask"u8))
            {
                user.Umask = ReadNullableUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "additionalGids"u8))
            {
                user.AdditionalGids = ReadList(ref Next(ref json), ReadUInt32);
            }
            else if (Is(ref json, "username"u8))
            {
                user.Username = ReadString(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return user;
    }

    private static Capabilities? ReadCapabilities(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var capabilities = new Capabilities();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "bounding"u8))
            {
                capabilities.Bounding = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "effective"u8))
            {
                capabilities.Effective = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "inheritable"u8))
            {
                capabilities.Inheritable = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "permitted"u8))
            {
                capabilities.Permitted = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "ambient"u8))
            {
                capabilities.Ambient = ReadStrings(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return capabilities;
    }

    private static Rlimit? ReadRlimit(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var rlimit = new Rlimit();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "type"u8))
            {
                rlimit.Type = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "hard"u8))
            {
                rlimit.Hard = ReadUInt64(ref Next(ref json));
            }
            else if (Is(ref json, "soft"u8))
            {
                rlimit.Soft = ReadUInt64(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return rlimit;
    }
}
