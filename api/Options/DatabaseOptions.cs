namespace Platform.Api.Options;

/// <summary>"Platform:Database": SQLite under the data directory by default, PostgreSQL for a fleet.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Platform:Database";

    /// <summary>"sqlite" or "postgres".</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Defaults to &lt;DataDir&gt;/platform.db for SQLite; required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }
}
