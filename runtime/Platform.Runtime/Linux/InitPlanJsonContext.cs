using System.Text.Json.Serialization;

namespace Platform.Runtime.Linux;

/// <summary>Source-generated JSON for the init plan, so the NativeAOT init needs no reflection.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitPlan))]
internal sealed partial class InitPlanJsonContext : JsonSerializerContext;
