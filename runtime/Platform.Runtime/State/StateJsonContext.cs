using System.Text.Json.Serialization;

namespace Platform.Runtime.State;

/// <summary>Source-generated JSON for the state directory and the runc-shaped `state` output (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(StateFile))]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(List<ContainerState>))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
