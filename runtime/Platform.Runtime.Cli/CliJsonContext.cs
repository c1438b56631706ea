using System.Text.Json.Serialization;

namespace Platform.Runtime.Cli;

/// <summary>Source-generated JSON for what the CLI prints (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(StateOutput))]
[JsonSerializable(typeof(List<StateOutput>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<int>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
