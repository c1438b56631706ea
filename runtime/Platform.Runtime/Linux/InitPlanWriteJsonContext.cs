using System.Text.Json.Serialization;

namespace Platform.Runtime.Linux;

/// <summary>
/// The host's side of <see cref="InitPlanJsonContext"/>: same options, but serialization-only, so the plan
/// is written by the generated fast path instead of configuring the metadata of the whole OCI spec graph
/// (that configuration was a measurable share of every `create`; the init still reads with the metadata).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(InitPlan))]
internal sealed partial class InitPlanWriteJsonContext : JsonSerializerContext;
