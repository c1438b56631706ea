namespace Platform.Data.Postgres;

/// <summary>Names this assembly for UseNpgsql(..., o => o.MigrationsAssembly(PostgresMigrations.AssemblyName)).</summary>
public static class PostgresMigrations
{
    public const string AssemblyName = "Platform.Data.Postgres";
}
