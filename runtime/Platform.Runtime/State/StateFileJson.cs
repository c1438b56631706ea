using System.Text.Json;
using Platform.Runtime.Spec;


namespace Platform.Runtime.State;

/// <summary>
/// Reads and writes state.json with <see cref="Utf8JsonReader"/>/<see cref="Utf8JsonWriter"/> directly.
/// Why by hand: state.json is read or written by every CLI call (create, start, kill, delete, state), each a
/// fresh NativeAOT process, and System.Text.Json's source-generated metadata still costs a first-use set-up
/// per type (attribute lookups, converters asking Type.Assembly, allocations the GC clears) that profiled as
/// ~5% of a whole create/start/delete cycle, several times the cost of the parse itself. The format is the
/// one the generated serializer wrote (camelCase, indented, nulls omitted), so existing state folders stay
/// readable; unknown properties are skipped, a file that is not that shape is reported as corrupt.
/// </summary>
internal static class StateFileJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true };

    public static byte[] Serialize(StateFile state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("ociVersion", state.OciVersion);
            json.WriteString("id", state.Id);
            json.WriteString("bundle", state.Bundle);
            json.WriteString("rootfs", state.Rootfs);
            json.WriteString("phase", state.Phase);
            json.WriteNumber("pid", state.Pid);
            json.WriteNumber("pidStartTime", state.PidStartTime);
            json.WriteString("created", state.Created);
            if (state.Annotations is not null)
            {
                WriteMap(json, "annotations", state.Annotations);
            }

            if (state.CgroupPath is not null)
            {
                json.WriteString("cgroupPath", state.CgroupPath);
            }

            if (state.Hooks is { } hooks)
            {
                json.WriteStartObject("hooks");
                WriteHooks(json, "prestart", hooks.Prestart);
                WriteHooks(json, "createRuntime", hooks.CreateRuntime);
                WriteHooks(json, "createContainer", hooks.CreateContainer);
                WriteHooks(json, "startContainer", hooks.StartContainer);
                WriteHooks(json, "poststart", hooks.Poststart);
                WriteHooks(json, "poststop", hooks.Poststop);
                json.WriteEndObject();
            }
            if (state.HostMounts is { } hostMounts)
            {
                WriteHostMounts(json, hostMounts);
            }

            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="JsonException">The bytes are not a state file.</exception>
    public static StateFile Deserialize(ReadOnlySpan<byte> bytes)
    {
        var json = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        Read(ref json, JsonTokenType.StartObject);
        string? ociVersion = null, id = null, bundle = null, rootfs = null, phase = null, cgroupPath = null;
        var pid = 0;
        ulong pidStartTime = 0;
        DateTimeOffset created = default;
        Dictionary<string, string>? annotations = null;
        Spec.Hooks? hooks = null;
        List<HostMount>? hostMounts = null;
        while (NextProperty(ref json) is { } name)
        {
            switch (name)
            {
                case "ociVersion": ociVersion = ReadString(ref json); break;
                case "id": id = ReadString(ref json); break;
                case "bundle": bundle = ReadString(ref json); break;
                case "rootfs": rootfs = ReadString(ref json); break;
                case "phase": phase = ReadString(ref json); break;
                case "pid": pid = Read(ref json, JsonTokenType.Number).GetInt32(); break;
                case "pidStartTime": pidStartTime = Read(ref json, JsonTokenType.Number).GetUInt64(); break;
                case "created": created = Read(ref json, JsonTokenType.String).GetDateTimeOffset(); break;
                case "annotations": annotations = ReadMap(ref json); break;
                case "cgroupPath": cgroupPath = ReadString(ref json); break;
                case "hooks": hooks = ReadHooks(ref json); break;
                case "hostMounts": hostMounts = ReadHostMounts(ref json); break;
                default: Skip(ref json); break;
            }
        }
        return new StateFile
        {
            OciVersion = ociVersion ?? throw Missing("ociVersion"),
            Id = id ?? throw Missing("id"),
            Bundle = bundle ?? throw Missing("bundle"),
            Rootfs = rootfs ?? throw Missing("rootfs"),
            Phase = phase ?? throw Missing("phase"),
            Pid = pid,
            PidStartTime = pidStartTime,
            Created = created,
            Annotations = annotations,
            CgroupPath = cgroupPath,
            Hooks = hooks,
            HostMounts = hostMounts,
        };
    }

    private static void WriteMap(Utf8JsonWriter json, string name, Dictionary<string, string> map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, List<string>? values)
    {
        if (values is null)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteHooks(Utf8JsonWriter json, string name, List<Hook>? hooks)
    {
        if (hooks is null)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var hook in hooks)
        {
            json.WriteStartObject();
            if (hook.Path is not null)
            {
                json.WriteString("path", hook.Path);
            }

            WriteStrings(json, "args", hook.Args);
            WriteStrings(json, "env", hook.Env);
            if (hook.Timeout is { } timeout)
            {
                json.WriteNumber("timeout", timeout);
            }

            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static Spec.Hooks ReadHooks(ref Utf8JsonReader json)
    {
        Read(ref json, JsonTokenType.StartObject);
        var hooks = new Spec.Hooks();
        while (NextProperty(ref json) is { } name)
        {
            switch (name)
            {
                case "prestart": hooks.Prestart = ReadHookList(ref json); break;
                case "createRuntime": hooks.CreateRuntime = ReadHookList(ref json); break;
                case "createContainer": hooks.CreateContainer = ReadHookList(ref json); break;
                case "startContainer": hooks.StartContainer = ReadHookList(ref json); break;
                case "poststart": hooks.Poststart = ReadHookList(ref json); break;
                case "poststop": hooks.Poststop = ReadHookList(ref json); break;
                default: Skip(ref json); break;
            }
        }
        return hooks;
    }

    private static List<Hook> ReadHookList(ref Utf8JsonReader json)
    {
        Read(ref json, JsonTokenType.StartArray);
        var hooks = new List<Hook>();
        while (Read(ref json).TokenType != JsonTokenType.EndArray)
        {
            Expect(ref json, JsonTokenType.StartObject);
            var hook = new Hook();
            while (NextProperty(ref json) is { } name)
            {
                switch (name)
                {
                    case "path": hook.Path = ReadString(ref json); break;
                    case "args": hook.Args = ReadStrings(ref json); break;
                    case "env": hook.Env = ReadStrings(ref json); break;
                    case "timeout": hook.Timeout = Read(ref json, JsonTokenType.Number).GetInt32(); break;
                    default: Skip(ref json); break;
                }
            }
            hooks.Add(hook);
        }
        return hooks;
    }

    private static void WriteHostMounts(Utf8JsonWriter json, IReadOnlyList<HostMount> mounts)
    {
        json.WriteStartArray("hostMounts");
        foreach (var mount in mounts)
        {
            json.WriteStartObject();
            json.WriteNumber("id", mount.Id);
            json.WriteString("path", mount.Path);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static List<HostMount> ReadHostMounts(ref Utf8JsonReader json)
    {
        Read(ref json, JsonTokenType.StartArray);
        var mounts = new List<HostMount>();
        while (Read(ref json).TokenType != JsonTokenType.EndArray)
        {
            Expect(ref json, JsonTokenType.StartObject);
            int? id = null;
            string? path = null;
            while (NextProperty(ref json) is { } name)
            {
                switch (name)
                {
                    case "id": id = Read(ref json, JsonTokenType.Number).GetInt32(); break;
                    case "path": path = ReadString(ref json); break;
                    default: Skip(ref json); break;
                }
            }
            mounts.Add(new HostMount(id ?? throw Missing("hostMounts[].id"), path ?? throw Missing("hostMounts[].path")));
        }
        return mounts;
    }

    private static List<string> ReadStrings(ref Utf8JsonReader json)
    {
        Read(ref json, JsonTokenType.StartArray);
        var values = new List<string>();
        while (Read(ref json).TokenType != JsonTokenType.EndArray)
        {
            Expect(ref json, JsonTokenType.String);
            values.Add(json.GetString()!);
        }
        return values;
    }

    private static Dictionary<string, string> ReadMap(ref Utf8JsonReader json)
    {
        Read(ref json, JsonTokenType.StartObject);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (NextProperty(ref json) is { } key)
        {
            map[key] = ReadString(ref json);
        }

        return map;
    }

    /// <summary>The next property name of the current object, or null at its end.</summary>
    private static string? NextProperty(ref Utf8JsonReader json)
    {
        Read(ref json);
        if (json.TokenType == JsonTokenType.EndObject)
        {
            return null;
        }

        Expect(ref json, JsonTokenType.PropertyName);
        return json.GetString();
    }

    private static string ReadString(ref Utf8JsonReader json) => Read(ref json, JsonTokenType.String).GetString()!;

    private static void Skip(ref Utf8JsonReader json)
    {
        Read(ref json);
        json.Skip();
    }

    private static ref Utf8JsonReader Read(ref Utf8JsonReader json, JsonTokenType expected)
    {
        Read(ref json);
        Expect(ref json, expected);
        return ref json;
    }

    private static ref Utf8JsonReader Read(ref Utf8JsonReader json)
    {
        if (!json.Read())
        {
            throw new JsonException("unexpected end of the file");
        }

        return ref json;
    }

    private static void Expect(ref Utf8JsonReader json, JsonTokenType expected)
    {
        if (json.TokenType != expected)
        {
            throw new JsonException($"expected {expected}, found {json.TokenType} at byte {json.TokenStartIndex}");
        }
    }

    private static JsonException Missing(string name) => new($"\"{name}\" is missing");
}
