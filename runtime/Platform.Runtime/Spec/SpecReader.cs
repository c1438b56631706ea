using System.Text.Json;

namespace Platform.Runtime.Spec;

/// <summary>
/// Reads config.json with <see cref="Utf8JsonReader"/> directly into a <see cref="RuntimeSpec"/>.
/// Why by hand: every create is a fresh NativeAOT process, and the source-generated serializer spends ~6 ms there
/// on first-use metadata for the ~35 spec types (converters asking Type.Assembly, attribute lookups), many times
/// the cost of the parse itself. The result is the object graph <see cref="SpecJsonContext"/> would produce, with
/// its read semantics: camelCase names (or [JsonPropertyName]), case-sensitive; unknown properties skipped; JSON
/// null gives null for reference and Nullable properties and is an error for other value types; numbers must be
/// integers in range of the property's type (the same Utf8JsonReader.TryGet* the serializer's converters call);
/// the last of duplicate properties wins; no comments, no trailing commas, depth at most 64, nothing after the
/// top-level value. <see cref="SpecJsonContext"/> stays the writer (the spec command, tests).
/// The success path keeps no JSON path (it would cost allocations per property); on error the bytes are walked
/// again up to the failing token to name it (<see cref="SpecJsonPath"/>).
/// </summary>
internal static partial class SpecReader
{
    /// <summary>Parses the value at the current token; null for JSON null where the type allows it.</summary>
    private delegate T? ValueReader<T>(ref Utf8JsonReader json);

    /// <summary>The spec in <paramref name="json"/>; null when the document is the JSON literal null.</summary>
    /// <exception cref="SpecReadException">Not JSON, or not the shape of a spec.</exception>
    public static RuntimeSpec? Read(ReadOnlySpan<byte> json)
    {
        // Default reader options are the serializer's: comments and trailing commas rejected, depth 64.
        var reader = new Utf8JsonReader(json, default(JsonReaderOptions));
        try
        {
            var spec = ReadRuntimeSpec(ref Next(ref reader));
            // Reading on from the end of the top-level value: false at the end of the input; for anything but
            // whitespace after it the reader throws (it reads a single value, as the serializer does).
            reader.Read();
            return spec;
        }
        catch (JsonException e)
        {
            throw new SpecReadException(ReaderMessage(e), SpecJsonPath.AtSyntaxError(json), (e.LineNumber ?? 0) + 1, isSyntaxError: true, e);
        }
        catch (ShapeError e)
        {
            throw new SpecReadException(e.Message, SpecJsonPath.AtToken(json, e.Offset), LineAt(json, e.Offset), isSyntaxError: false);
        }
    }

    private static RuntimeSpec? ReadRuntimeSpec(ref Utf8JsonReader json)
    {
        if (json.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (json.TokenType != JsonTokenType.StartObject)
        {
            throw new ShapeError(json.TokenStartIndex, $"must be a JSON object, found {Found(ref json)}");
        }

        var spec = new RuntimeSpec();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "ociVersion"u8))
            {
                spec.OciVersion = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "root"u8))
            {
                spec.Root = ReadRoot(ref Next(ref json));
            }
            else if (Is(ref json, "mounts"u8))
            {
                spec.Mounts = ReadList(ref Next(ref json), ReadMount);
            }
            else if (Is(ref json, "process"u8))
            {
                spec.Process = ReadProcess(ref Next(ref json));
            }
            else if (Is(ref json, "hostname"u8))
            {
                spec.Hostname = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "domainname"u8))
            {
                spec.Domainname = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "hooks"u8))
            {
                spec.Hooks = ReadHooks(ref Next(ref json));
            }
            else if (Is(ref json, "annotations"u8))
            {
                spec.Annotations = ReadMap(ref Next(ref json));
            }
            else if (Is(ref json, "linux"u8))
            {
                spec.Linux = ReadLinux(ref Next(ref json));
            }
            else if (Is(ref json, "vm"u8))
            {
                spec.Vm = ReadVm(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return spec;
    }

    private static Root? ReadRoot(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var root = new Root();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "path"u8))
            {
                root.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "readonly"u8))
            {
                root.Readonly = ReadBool(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return root;
    }

    private static Mount? ReadMount(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var mount = new Mount();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "destination"u8))
            {
                mount.Destination = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "source"u8))
            {
                mount.Source = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "options"u8))
            {
                mount.Options = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "type"u8))
            {
                mount.Type = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "uidMappings"u8))
            {
                mount.UidMappings = ReadList(ref Next(ref json), ReadIdMapping);
            }
            else if (Is(ref json, "gidMappings"u8))
            {
                mount.GidMappings = ReadList(ref Next(ref json), ReadIdMapping);
            }
            else
            {
                json.Skip();
            }
        }
        return mount;
    }

    private static IdMapping? ReadIdMapping(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var mapping = new IdMapping();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "containerID"u8))
            {
                mapping.ContainerId = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "hostID"u8))
            {
                mapping.HostId = ReadUInt32(ref Next(ref json));
            }
            else if (Is(ref json, "size"u8))
            {
                mapping.Size = ReadUInt32(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return mapping;
    }

    private static Hooks? ReadHooks(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var hooks = new Hooks();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "prestart"u8))
            {
                hooks.Prestart = ReadList(ref Next(ref json), ReadHook);
            }
            else if (Is(ref json, "createRuntime"u8))
            {
                hooks.CreateRuntime = ReadList(ref Next(ref json), ReadHook);
            }
            else if (Is(ref json, "createContainer"u8))
            {
                hooks.CreateContainer = ReadList(ref Next(ref json), ReadHook);
            }
            else if (Is(ref json, "startContainer"u8))
            {
                hooks.StartContainer = ReadList(ref Next(ref json), ReadHook);
            }
            else if (Is(ref json, "poststart"u8))
            {
                hooks.Poststart = ReadList(ref Next(ref json), ReadHook);
            }
            else if (Is(ref json, "poststop"u8))
            {
                hooks.Poststop = ReadList(ref Next(ref json), ReadHook);
            }
            else
            {
                json.Skip();
            }
        }
        return hooks;
    }

    private static Hook? ReadHook(ref Utf8JsonReader json)
    {
        if (!AtObject(ref json))
        {
            return null;
        }

        var hook = new Hook();
        while (NextProperty(ref json))
        {
            if (Is(ref json, "path"u8))
            {
                hook.Path = ReadString(ref Next(ref json));
            }
            else if (Is(ref json, "args"u8))
            {
                hook.Args = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "env"u8))
            {
                hook.Env = ReadStrings(ref Next(ref json));
            }
            else if (Is(ref json, "timeout"u8))
            {
                hook.Timeout = ReadNullableInt32(ref Next(ref json));
            }
            else
            {
                json.Skip();
            }
        }
        return hook;
    }

    private static string ReaderMessage(JsonException e)
    {
        // "'}' is invalid after a value. Expected ... LineNumber: 2 | BytePositionInLine: 25." without the position,
        // which the caller reports as a 1-based line.
        var message = e.Message;
        var cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        return message.TrimEnd('.', ' ');
    }

    private static long LineAt(ReadOnlySpan<byte> json, long offset) =>
        json[..(int)Math.Min(offset, json.Length)].Count((byte)'\n') + 1;

    /// <summary>The JSON is well formed so far but a value has the wrong type; carries where, for the path.</summary>
    private sealed class ShapeError(long offset, string message) : Exception(message)
    {
        public long Offset { get; } = offset;
    }
}
