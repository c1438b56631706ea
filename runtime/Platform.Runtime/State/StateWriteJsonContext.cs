using System.Text.Json.Serialization;

namespace Platform.Runtime.State;

/// <summary>
/// Writes <c>state.json</c> with the generated fast path (same options as <see cref="StateJsonContext"/>, so
/// the bytes are identical): `create` only ever writes the state, and configuring the reading metadata of
/// the state and hooks graph cost each `create` a measurable share of its CPU.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(StateFile))]
internal sealed partial class StateWriteJsonContext : JsonSerializerContext;
