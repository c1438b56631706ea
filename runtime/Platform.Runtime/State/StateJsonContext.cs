using System.Text.Json.Serialization;

namespace Platform.Runtime.State;

/// <summary>Source-generated JSON for the runc-shaped container state (hook stdin, `state` and `list` output); state.json itself is <see cref="StateFileJson"/> (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(List<ContainerState>))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
