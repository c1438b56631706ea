using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Platform.Runtime.Spec;

namespace Platform.Runtime.Tests.Fuzz;

/// <summary>
/// Generators for config.json bytes: JSON trees over the spec's own property names (so values reach the typed
/// readers, not only the skip path), mutations of runc's default config (a value replaced by one of the wrong type,
/// a huge or negative number, a deep nest, a long string), and byte-level damage the serializer cannot write
/// (duplicate keys, invalid UTF-8, truncation, nesting past the reader's depth).
/// </summary>
internal static class SpecInputs
{
    /// <summary>The least a bundle's config.json needs to be accepted (BundleConfig wants process.args and root.path).</summary>
    public const string MinimalConfig = """
        {"ociVersion":"1.0.2","root":{"path":"rootfs"},"process":{"args":["/app"],"cwd":"/"}}
        """;

    public sealed record Config(byte[] Bytes, string Recipe)
    {
        public override string ToString() =>
            $"{Recipe}: {Encoding.UTF8.GetString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 600)))}{(Bytes.Length > 600 ? "…" : "")}";
    }

    private static readonly string[] Names =
    [
        "ociVersion", "root", "path", "readonly", "process", "args", "env", "cwd", "user", "uid", "gid", "umask",
        "additionalGids", "capabilities", "bounding", "effective", "permitted", "ambient", "rlimits", "type", "hard",
        "soft", "hostname", "mounts", "destination", "source", "options", "linux", "namespaces", "uidMappings",
        "gidMappings", "containerID", "hostID", "size", "resources", "memory", "limit", "swap", "swappiness", "cpu",
        "quota", "period", "shares", "pids", "devices", "access", "major", "minor", "fileMode", "seccomp",
        "defaultAction", "defaultErrnoRet", "syscalls", "names", "action", "errnoRet", "architectures", "flags",
        "index", "value", "valueTwo", "op", "hooks", "prestart", "poststop", "timeout", "annotations", "sysctl",
        "maskedPaths", "readonlyPaths", "personality", "domain", "vm", "hypervisor", "kernel", "image", "consoleSize",
        "height", "width", "oomScoreAdj", "terminal", "noNewPrivileges", "rootfsPropagation", "cgroupsPath",
        "hugepageLimits", "pageSize", "blockIO", "weight", "weightDevice", "unified", "commandLine", "", "x",
    ];

    private static readonly string[] Numbers =
    [
        "0", "-1", "1", "-0", "4294967295", "4294967296", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "1e400", "-1e400", "1.5", "1E2",
        "123456789012345678901234567890123456789012345678901234567890", "0.0000000000000000000001",
    ];

    private static readonly string[] Strings =
    [
        "", "/", "..", "../../etc", "/proc/../..", "rootfs", "1.0.2", "9.9.9", "CAP_SYS_ADMIN", "CAP_NOPE", "RLIMIT_NOFILE",
        "user", "mount", "uts", "network", "SCMP_ACT_ERRNO", "SCMP_ACT_NOTIFY", "SCMP_CMP_EQ", "SCMP_ARCH_X86_64",
        "net.ipv4.ip_forward", "kernel.core_pattern", "a=b", "=", "c", "rwm", "a\u0000b", "é",
    ];

    /// <summary>Escapes as written in the file: a NUL, an unpaired surrogate, a reversed pair.</summary>
    private static readonly string[] RawStrings = ["\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"a\\u0000b\""];

    public static string DefaultConfig { get; } = JsonSerializer.Serialize(DefaultSpec.Create(), SpecJsonContext.Default.RuntimeSpec);

    public static Gen<Config> Any() => Gen.Frequency(
        (3, Tree().Select(json => new Config(Encoding.UTF8.GetBytes(json), "generated tree"))),
        (5, Mutated()),
        (2, Damaged()));

    /// <summary>
    /// JSON text of bounded depth over the spec's names and edge-case scalars. Text, not JsonNodes: generated values
    /// are shared between cases and a node can have only one parent; text also lets an object repeat a key.
    /// </summary>
    public static Gen<string> Tree() => Gen.Sized(size => Node(Math.Min(size, 40), depth: 0));

    private static Gen<string> Node(int size, int depth)
    {
        Gen<string> scalar = Gen.OneOf(
            Gen.Elements("null", "true", "false"),
            Gen.Elements(Numbers),
            Gen.Elements(Strings).Select(s => JsonSerializer.Serialize(s)),
            Gen.Elements(RawStrings),
            Gen.Choose(0, 70_000).Select(n => $"\"{new string('s', n)}\""));
        if (size <= 1 || depth > 8)
        {
            return scalar;
        }
        Gen<string> array = Gen.ListOf(Node(size / 3, depth + 1)).Select(items => $"[{string.Join(',', items.Take(6))}]");
        Gen<string> obj = Gen.ListOf(Gen.Zip(Gen.Elements(Names), Node(size / 3, depth + 1)))
            .Select(pairs => $"{{{string.Join(',', pairs.Take(8).Select(p => $"\"{p.Item1}\":{p.Item2}"))}}}");
        return Gen.Frequency((3, scalar), (1, array), (2, obj));
    }

    /// <summary>runc's default config with one value replaced by a generated one, or removed.</summary>
    private static Gen<Config> Mutated() =>
        from pick in Gen.Choose(0, int.MaxValue)
        from replacement in Node(6, 0)
        from hostileString in Gen.Elements([.. Strings.Select(s => JsonSerializer.Serialize(s)), .. RawStrings])
        from kind in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)))
        // Strings replaced by strings get past the type checks to the validator's path and name rules.
        select kind switch { 0 => Replace(pick, replacement, stringsOnly: false), 1 => Replace(pick, hostileString, stringsOnly: true), _ => Remove(pick) };

    private static Config Remove(int pick)
    {
        JsonNode root = JsonNode.Parse(DefaultConfig)!;
        List<JsonNode> nodes = [.. All(root).Where(n => n.Parent is not null)];
        JsonNode target = nodes[pick % nodes.Count];
        string where = target.GetPath();
        if (target.Parent is JsonObject parent)
        {
            parent.Remove(target.GetPropertyName());
        }
        else
        {
            target.Parent!.AsArray().RemoveAt(target.GetElementIndex());
        }
        return new Config(Encoding.UTF8.GetBytes(root.ToJsonString()), $"default without {where}");
    }

    /// <summary>Splices the replacement's text over one value's bytes: JsonNode cannot hold the unpaired surrogates it may carry.</summary>
    private static Config Replace(int pick, string replacement, bool stringsOnly)
    {
        byte[] json = Encoding.UTF8.GetBytes(DefaultConfig);
        var values = new List<(int Start, int End)>();
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray || reader.CurrentDepth == 0
                || (stringsOnly && reader.TokenType != JsonTokenType.String))
            {
                continue;
            }
            var end = reader;
            end.Skip();
            values.Add(((int)reader.TokenStartIndex, (int)end.BytesConsumed));
        }
        (int start, int stop) = values[pick % values.Count];
        return new Config([.. json[..start], .. Encoding.UTF8.GetBytes(replacement), .. json[stop..]],
            $"default with the value at byte {start} replaced");
    }

    private static IEnumerable<JsonNode> All(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (JsonNode? child in children)
        {
            if (child is not null)
            {
                foreach (JsonNode n in All(child))
                {
                    yield return n;
                }
            }
        }
    }

    /// <summary>Byte-level damage to the default config at a generated position.</summary>
    private static Gen<Config> Damaged() =>
        from kind in Gen.Choose(0, 4)
        from at in Gen.Choose(0, int.MaxValue)
        from depth in Gen.Elements(63, 64, 65, 200, 100_000)
        select Damage(kind, at, depth);

    private static Config Damage(int kind, int at, int depth)
    {
        byte[] json = Encoding.UTF8.GetBytes(DefaultConfig);
        int quote = IndexOfNth(json, (byte)'"', at);
        return kind switch
        {
            // Duplicate keys: the reader's documented rule is "last wins"; a second "process" of the wrong shape must still be typed.
            0 => Splice(json, 1, "\"process\":7,\"root\":{\"path\":\"/\"},\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[1]},", "duplicate keys"),
            // Invalid UTF-8 inside a string (after an opening quote).
            1 => Splice(json, quote + 1, "\xff\xc0\xed\xa0\x80", "invalid UTF-8"),
            2 => new Config(json[..(at % json.Length)], "truncated"),
            // Nesting around the whole document, at and past the reader's limit of 64.
            3 => new Config(Encoding.UTF8.GetBytes(new string('[', depth) + DefaultConfig + new string(']', depth)), $"{depth} levels deep"),
            _ => Splice(json, 1, $"\"annotations\":{{\"k\":{new string('[', depth)}{new string(']', depth)}}},", $"a {depth}-deep annotation"),
        };
    }

    private static Config Splice(byte[] json, int at, string text, string recipe) =>
        new([.. json[..at], .. Encoding.Latin1.GetBytes(text), .. json[at..]], recipe);

    private static int IndexOfNth(byte[] json, byte value, int n)
    {
        int[] positions = [.. json.Select((b, i) => (b, i)).Where(p => p.b == value).Select(p => p.i)];
        return positions[n % positions.Length];
    }
}
