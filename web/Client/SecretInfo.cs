namespace Platform.Web.Client;

/// <summary>A function's secret as the API lists it: its name and when it changed, never its value.</summary>
public sealed record SecretInfo(string Name, DateTimeOffset UpdatedAt);
