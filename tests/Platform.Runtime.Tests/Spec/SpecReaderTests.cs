using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Runtime.Spec;
using Platform.Runtime.Tests.Containers;
using Platform.Runtime.Tests.Lifecycle;
using Platform.Runtime.Tests.Linux;
using Platform.Runtime.Validation;

// Not Platform.Runtime.Tests.Spec: a namespace of that name would capture `Spec.Linux` in every other test file.
namespace Platform.Runtime.Tests.SpecReading;

/// <summary>
/// <see cref="SpecReader"/> against the source-generated serializer it replaces: same object graph for every
/// input the serializer accepts, an error (a <see cref="RuntimeException"/> naming the path) for every input it rejects.
/// </summary>
public sealed class SpecReaderTests
{
    private const string SerializerError = "<error>";

    [Fact]
    public void A_maximal_spec_reads_as_the_serializer_reads_it()
    {
        var json = Serialize(MaximalSpec.Create());

        var read = SpecLoader.Parse(json);

        Assert.Equal(Encoding.UTF8.GetString(json), Reserialize(read));
        Assert.Equal(ViaSerializer(json), Reserialize(read));
    }

    [Fact]
    public void Every_property_of_every_spec_class_is_read()
    {
        var spec = SpecLoader.Parse(Serialize(MaximalSpec.Create()));

        var seen = new HashSet<Type>();
        var problems = new List<string>();
        Walk(spec, "spec", seen, problems);

        Assert.Empty(problems);
        var specTypes = typeof(RuntimeSpec).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(RuntimeSpec).Namespace && t.IsPublic && t.IsClass && !typeof(JsonSerializerContext).IsAssignableFrom(t));
        Assert.Empty(specTypes.Except(seen).Select(t => t.Name));
    }

    [Theory]
    [InlineData("default")]
    [InlineData("default-rootless")]
    [InlineData("test-specs")]
    [InlineData("container-specs")]
    [InlineData("lifecycle-minimal-with-hooks")]
    [InlineData("runc")]
    [InlineData("runc-rootless")]
    [InlineData("crun")]
    [InlineData("api-tests")]
    public void Configs_used_elsewhere_read_as_the_serializer_reads_them(string name)
    {
        var json = ConfigNamed(name);

        Assert.Equal(ViaSerializer(json), Reserialize(SpecLoader.Parse(json)));
    }

    [Fact]
    public void Unknown_properties_of_any_shape_are_skipped()
    {
        var json = """
            {"x-object": {"a": {"b": [1, {"c": null}]}}, "ociVersion": "1.2.0", "x-array": [[], {}, "s", 1.5e300, true],
             "process": {"x": "y", "args": ["sh"], "x-null": null, "cwd": "/", "x-false": false},
             "linux": {"resources": {"pids": {"x": {"limit": "not this one"}, "limit": 7}, "x": []}}, "$id": "1", "$type": "t"}
            """;

        var spec = Parse(json);

        Assert.Equal("1.2.0", spec.OciVersion);
        Assert.Equal(["sh"], spec.Process!.Args!);
        Assert.Equal("/", spec.Process.Cwd);
        Assert.Equal(7, spec.Linux!.Resources!.Pids!.Limit);
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Property_names_are_case_sensitive_and_escapes_are_decoded()
    {
        var json = """{"Hostname": "upper", "host\u006eame": "escaped", "linux": {"resources": {"blockIo": {"weight": 1}, "blockIO": {"weight": 2}}}}""";

        var spec = Parse(json);

        Assert.Equal("escaped", spec.Hostname);
        Assert.Equal((ushort)2, spec.Linux!.Resources!.BlockIo!.Weight);
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Json_null_gives_null_for_reference_and_nullable_properties()
    {
        var json = """
            {"root": null, "mounts": null, "annotations": null, "hostname": null,
             "process": {"args": null, "oomScoreAdj": null, "user": {"umask": null, "additionalGids": null}},
             "linux": {"resources": {"memory": {"limit": null, "disableOOMKiller": null}, "blockIO": {"weight": null}}}}
            """;

        var spec = Parse(json);

        Assert.Null(spec.Root);
        Assert.Null(spec.Mounts);
        Assert.Null(spec.Hostname);
        Assert.Null(spec.Process!.Args);
        Assert.Null(spec.Process.OomScoreAdj);
        Assert.Null(spec.Process.User!.Umask);
        Assert.Null(spec.Linux!.Resources!.Memory!.Limit);
        Assert.Null(spec.Linux.Resources.Memory.DisableOomKiller);
        Assert.Null(spec.Linux.Resources.BlockIo!.Weight);
        AssertSameAsSerializer(json);
    }

    [Theory]
    [InlineData("""{"root": {"readonly": null}}""", "config.json: root.readonly: expected true or false, found null (line 1)")]
    [InlineData("""{"process": {"user": {"uid": null}}}""", "config.json: process.user.uid: expected an integer from 0 to 4294967295, found null (line 1)")]
    [InlineData("""{"linux": {"resources": {"pids": {"limit": null}}}}""", "config.json: linux.resources.pids.limit: expected an integer from -9223372036854775808 to 9223372036854775807, found null (line 1)")]
    [InlineData("""{"process": {"user": {"additionalGids": [1, null]}}}""", "config.json: process.user.additionalGids[1]: expected an integer from 0 to 4294967295, found null (line 1)")]
    public void Json_null_for_a_non_nullable_value_is_an_error(string json, string message)
    {
        Assert.Equal(message, Error(json));
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Null_elements_and_null_map_values_are_kept_as_the_serializer_keeps_them()
    {
        var json = """{"process": {"args": ["sh", null]}, "mounts": [null, {"destination": "/d"}], "annotations": {"k": null}}""";

        var spec = Parse(json);

        Assert.Equal(["sh", null!], spec.Process!.Args!);
        Assert.Null(spec.Mounts![0]);
        Assert.Null(spec.Annotations!["k"]);
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void The_last_of_duplicate_properties_wins()
    {
        var json = """
            {"hostname": "first", "hostname": "second", "process": {"args": ["x"]}, "process": {"cwd": "/"},
             "annotations": {"k": "1", "k": "2"}, "root": {"path": "p"}, "root": null}
            """;

        var spec = Parse(json);

        Assert.Equal("second", spec.Hostname);
        Assert.Null(spec.Process!.Args);
        Assert.Equal("/", spec.Process.Cwd);
        Assert.Equal("2", spec.Annotations!["k"]);
        Assert.Null(spec.Root);
        AssertSameAsSerializer(json);
    }

    [Theory]
    [InlineData("""{"process": {"args": ["sh", 1]}}""", "config.json: process.args[1]: expected a string, found 1 (line 1)")]
    [InlineData("""{"linux": {"resources": {"pids": {"limit": "5"}}}}""", "config.json: linux.resources.pids.limit: expected an integer from -9223372036854775808 to 9223372036854775807, found a string (line 1)")]
    [InlineData("""{"mounts": [{"destination": "/a", "options": ["ro", "bind", {}]}]}""", "config.json: mounts[0].options[2]: expected a string, found an object (line 1)")]
    [InlineData("""{"mounts": [{}, {"destination": []}]}""", "config.json: mounts[1].destination: expected a string, found an array (line 1)")]
    [InlineData("""{"process": []}""", "config.json: process: expected an object, found an array (line 1)")]
    [InlineData("""{"process": {"args": "sh"}}""", "config.json: process.args: expected an array, found a string (line 1)")]
    [InlineData("""{"root": {"readonly": "yes"}}""", "config.json: root.readonly: expected true or false, found a string (line 1)")]
    [InlineData("""{"annotations": {"org.example.key": 1}}""", "config.json: annotations['org.example.key']: expected a string, found 1 (line 1)")]
    [InlineData("""{"linux": {"sysctl": {"a": "1", "b": true}}}""", "config.json: linux.sysctl.b: expected a string, found true (line 1)")]
    [InlineData("""[]""", "config.json: must be a JSON object, found an array (line 1)")]
    [InlineData("\"spec\"", "config.json: must be a JSON object, found a string (line 1)")]
    [InlineData("5", "config.json: must be a JSON object, found 5 (line 1)")]
    [InlineData("null", "config.json: must be a JSON object")]
    public void Wrong_types_name_their_path(string json, string message)
    {
        Assert.Equal(message, Error(json));
        AssertSameAsSerializer(json);
    }

    [Theory]
    [InlineData("""{"process": {"user": {"uid": 4294967296}}}""", "process.user.uid: expected an integer from 0 to 4294967295, found 4294967296")]
    [InlineData("""{"process": {"user": {"gid": -1}}}""", "process.user.gid: expected an integer from 0 to 4294967295, found -1")]
    [InlineData("""{"process": {"oomScoreAdj": 2147483648}}""", "process.oomScoreAdj: expected an integer from -2147483648 to 2147483647, found 2147483648")]
    [InlineData("""{"process": {"oomScoreAdj": 1.5}}""", "process.oomScoreAdj: expected an integer from -2147483648 to 2147483647, found 1.5")]
    [InlineData("""{"process": {"rlimits": [{"hard": 18446744073709551616}]}}""", "process.rlimits[0].hard: expected an integer from 0 to 18446744073709551615, found 18446744073709551616")]
    [InlineData("""{"process": {"rlimits": [{"soft": 1e3}]}}""", "process.rlimits[0].soft: expected an integer from 0 to 18446744073709551615, found 1e3")]
    [InlineData("""{"linux": {"resources": {"blockIO": {"weight": 65536}}}}""", "linux.resources.blockIO.weight: expected an integer from 0 to 65535, found 65536")]
    [InlineData("""{"linux": {"resources": {"memory": {"limit": 9223372036854775808}}}}""", "linux.resources.memory.limit: expected an integer from -9223372036854775808 to 9223372036854775807, found 9223372036854775808")]
    [InlineData("""{"linux": {"devices": [{"major": 1.0}]}}""", "linux.devices[0].major: expected an integer from -9223372036854775808 to 9223372036854775807, found 1.0")]
    public void Numbers_must_be_integers_in_range_of_their_type(string json, string reason)
    {
        Assert.Equal($"config.json: {reason} (line 1)", Error(json));
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Errors_report_the_line_of_the_bad_value()
    {
        var json = "{\n  \"process\": {\n    \"args\": [\n      \"sh\",\n      false\n    ]\n  }\n}";

        Assert.Equal("config.json: process.args[1]: expected a string, found false (line 5)", Error(json));
    }

    [Theory]
    [InlineData("""{"hostname": "a" /* comment */}""")]
    [InlineData("{\"hostname\": \"a\" // comment\n}")]
    [InlineData("""{"hostname": "a",}""")]
    [InlineData("""{"process": {"args": ["a",]}}""")]
    [InlineData("""{"x-unknown": [1,]}""")]
    [InlineData("""{"hostname": 'a'}""")]
    [InlineData("""{hostname: "a"}""")]
    [InlineData("""{"hostname": "a"} {}""")]
    [InlineData("""{"hostname": "a"}x""")]
    [InlineData("""null null""")]
    [InlineData("")]
    [InlineData("  \n ")]
    [InlineData("\uFEFF{}")]
    public void What_is_not_strict_json_is_rejected(string json)
    {
        Assert.StartsWith("config.json: ", Error(json));
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Invalid_unicode_is_an_error_where_the_serializer_reads_the_string()
    {
        byte[] inKnownString = [.. "{\"hostname\": \""u8, 0xFF, .. "\"}"u8];
        byte[] inUnknownString = [.. "{\"x-unknown\": \""u8, 0xC3, .. "\", \"hostname\": \"a\"}"u8];
        byte[] inMapKey = [.. "{\"annotations\": {\""u8, 0xFE, .. "\": \"v\"}}"u8];

        Assert.Equal("config.json: hostname: not valid Unicode (invalid UTF-8 or an unpaired surrogate escape) (line 1)", Assert.Throws<RuntimeException>(() => SpecLoader.Parse(inKnownString)).Message);
        Assert.StartsWith("config.json: annotations", Assert.Throws<RuntimeException>(() => SpecLoader.Parse(inMapKey)).Message);
        Assert.StartsWith("config.json: hostname: not valid Unicode", Error("""{"hostname": "\ud800"}"""));
        AssertSameAsSerializer(inKnownString);
        AssertSameAsSerializer(inUnknownString);
        AssertSameAsSerializer(inMapKey);
        AssertSameAsSerializer("""{"hostname": "\ud800"}""");
        AssertSameAsSerializer("""{"x-unknown": "\ud800"}""");
    }

    [Fact]
    public void Whitespace_around_the_object_is_allowed()
    {
        var json = " \r\n\t{\"hostname\": \"a\"}\n\n ";

        Assert.Equal("a", Parse(json).Hostname);
        AssertSameAsSerializer(json);
    }

    [Fact]
    public void Syntax_errors_name_the_property_being_read()
    {
        Assert.Equal(
            "config.json: process.args[1]: '}' is invalid without a matching open (line 1)",
            Error("""{"process": {"args": ["sh"}}"""));
        Assert.StartsWith("config.json: invalid JSON: ", Error("""{"hostname": "a",}"""));
    }

    [Fact]
    public void Nesting_is_limited_to_a_depth_of_64_as_the_serializer_limits_it()
    {
        var outcomes = new List<bool>();
        for (var depth = 60; depth <= 66; depth++)
        {
            var json = "{\"x\": " + new string('[', depth - 1) + new string(']', depth - 1) + "}";
            AssertSameAsSerializer(json);
            outcomes.Add(Outcome(Encoding.UTF8.GetBytes(json)) != SerializerError);
        }
        Assert.Contains(true, outcomes);
        Assert.Contains(false, outcomes);
    }

    [Theory]
    [InlineData("runc")]
    [InlineData("maximal")]
    public void Every_truncation_of_a_config_is_an_error(string name)
    {
        var json = ConfigNamed(name).AsSpan().TrimEnd(" \r\n\t"u8).ToArray();

        for (var length = 0; length < json.Length; length++)
        {
            var prefix = json[..length];
            Assert.Throws<RuntimeException>(() => SpecLoader.Parse(prefix));
        }
    }

    [Theory]
    [InlineData("runc", 1)]
    [InlineData("maximal", 2)]
    [InlineData("crun", 3)]
    public void Random_mutations_give_the_serializers_result_or_a_runtime_error(string name, int seed)
    {
        var original = ConfigNamed(name);
        var random = new Random(seed);
        byte[] interesting = "{}[],:\"\\ 0123456789-.eEtrufalsn\n\u0001"u8.ToArray();
        var accepted = 0;
        for (var i = 0; i < 1500; i++)
        {
            var json = Mutate(original, random, interesting);
            var outcome = Outcome(json);
            Assert.True(ViaSerializer(json) == outcome, $"mutation {i}: {Encoding.UTF8.GetString(json)}");
            if (outcome != SerializerError)
            {
                accepted++;
            }
        }
        // The mutations must exercise both paths for the comparison to mean anything.
        Assert.InRange(accepted, 1, 1499);
    }

    private static byte[] Mutate(byte[] original, Random random, byte[] interesting)
    {
        var bytes = new List<byte>(original);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(bytes.Count);
            var value = random.Next(4) == 0 ? (byte)random.Next(256) : interesting[random.Next(interesting.Length)];
            switch (random.Next(3))
            {
                case 0: bytes[at] = value; break;
                case 1: bytes.Insert(at, value); break;
                default: bytes.RemoveAt(at); break;
            }
        }
        return [.. bytes];
    }

    private static byte[] ConfigNamed(string name) => name switch
    {
        "maximal" => Serialize(MaximalSpec.Create()),
        "default" => Serialize(DefaultSpec.Create()),
        "default-rootless" => Serialize(DefaultSpec.Create(rootless: true, 1000, 1000)),
        "test-specs" => Serialize(TestSpecs.Default("/var/lib/rootfs", "/bin/sh", "-c", "echo hi")),
        "container-specs" => Serialize(ContainerSpecs.Shell("/var/lib/rootfs", "echo hi > /tmp/out")),
        "lifecycle-minimal-with-hooks" => Serialize(WithHooks(LifecycleFixture.MinimalSpec())),
        "runc" => Encoding.UTF8.GetBytes(RealConfigs.RuncSpec),
        "runc-rootless" => Encoding.UTF8.GetBytes(RealConfigs.RuncRootlessSpec),
        "crun" => Encoding.UTF8.GetBytes(RealConfigs.CrunSpec),
        "api-tests" => Encoding.UTF8.GetBytes(RealConfigs.ApiTestConfig),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static RuntimeSpec WithHooks(RuntimeSpec spec)
    {
        spec.Hooks = LifecycleFixture.AllHooks();
        return spec;
    }

    private static RuntimeSpec Parse(string json) => SpecLoader.Parse(Encoding.UTF8.GetBytes(json));

    private static string Error(string json) =>
        Assert.Throws<RuntimeException>(() => SpecLoader.Parse(Encoding.UTF8.GetBytes(json))) is { Kind: RuntimeErrorKind.InvalidConfig } e
            ? e.Message
            : throw new Xunit.Sdk.XunitException("a config.json error must be InvalidConfig");

    private static void AssertSameAsSerializer(string json) => AssertSameAsSerializer(Encoding.UTF8.GetBytes(json));

    private static void AssertSameAsSerializer(byte[] json) => Assert.Equal(ViaSerializer(json), Outcome(json));

    /// <summary>What the reader makes of the bytes, re-serialized; "null" for JSON null; <see cref="SerializerError"/> for a RuntimeException.</summary>
    private static string Outcome(byte[] json)
    {
        try
        {
            return Reserialize(SpecLoader.Parse(json));
        }
        catch (RuntimeException e)
        {
            return e.Message == "config.json: must be a JSON object" ? "null" : SerializerError;
        }
    }

    /// <summary>What the source-generated serializer makes of the bytes, in the terms of <see cref="Outcome"/>.</summary>
    private static string ViaSerializer(byte[] json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SpecJsonContext.Default.RuntimeSpec) is { } spec ? Reserialize(spec) : "null";
        }
        catch (JsonException)
        {
            return SerializerError;
        }
    }

    private static byte[] Serialize(RuntimeSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec);

    private static string Reserialize(RuntimeSpec spec) => Encoding.UTF8.GetString(Serialize(spec));

    /// <summary>Records every property of a spec object (recursively) left null or at its default, and every spec type met.</summary>
    private static void Walk(object value, string path, HashSet<Type> seen, List<string> problems)
    {
        var type = value.GetType();
        seen.Add(type);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var child = property.GetValue(value);
            var at = $"{path}.{property.Name}";
            if (child is null || (child.GetType().IsValueType && child.Equals(Activator.CreateInstance(child.GetType()))))
            {
                problems.Add($"{at} is not set");
                continue;
            }
            switch (child)
            {
                case string:
                    break;
                case IDictionary map:
                    if (map.Count != 2)
                    {
                        problems.Add($"{at} has {map.Count} entries, not 2");
                    }

                    break;
                case IList list:
                    if (list.Count != 2)
                    {
                        problems.Add($"{at} has {list.Count} elements, not 2");
                    }

                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is { } element && element.GetType().Namespace == typeof(RuntimeSpec).Namespace)
                        {
                            Walk(element, $"{at}[{i}]", seen, problems);
                        }
                    }
                    break;
                default:
                    if (child.GetType().Namespace == typeof(RuntimeSpec).Namespace)
                    {
                        Walk(child, at, seen, problems);
                    }

                    break;
            }
        }
    }
}
