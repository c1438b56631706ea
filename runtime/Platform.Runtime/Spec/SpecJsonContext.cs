using System.Text.Json.Serialization;

namespace Platform.Runtime.Spec;

/// <summary>Source-generated JSON for config.json, so the NativeAOT CLI needs no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(RuntimeSpec))]
public sealed partial class SpecJsonContext : JsonSerializerContext;
