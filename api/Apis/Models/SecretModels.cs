namespace Platform.Api.Apis.Models;

/// <summary>PUT body of a secret: its value, which no answer ever contains again.</summary>
public sealed record SecretRequest(string? Value);

/// <summary>A secret as the API shows it: its name and when it changed, never its value.</summary>
/// <param name="Version">The version this change rolled out as (null while the function has no active version).</param>
public sealed record SecretView(string Name, DateTimeOffset UpdatedAt, int? Version = null);
