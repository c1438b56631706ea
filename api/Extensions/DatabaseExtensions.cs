using Microsoft.EntityFrameworkCore;
using Platform.Api.Infrastructure;
using Platform.Api.Options;
using Platform.Data;
using Platform.Data.Postgres;

namespace Platform.Api.Extensions;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers <see cref="PlatformDbContext"/> for "Platform:Database:Provider" (sqlite: the migrations in
    /// Platform.Data; postgres: those in Platform.Data.Postgres) and applies the migrations at start-up,
    /// before any other hosted service runs.
    /// </summary>
    public static IHostApplicationBuilder AddPlatformDatabase(this IHostApplicationBuilder builder)
    {
        var platform = builder.Configuration.GetSection(PlatformOptions.SectionName).Get<PlatformOptions>() ?? new PlatformOptions();
        var database = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        switch (database.Provider.ToLowerInvariant())
        {
            case "sqlite":
                Directory.CreateDirectory(platform.DataDirectory);
                string sqlite = database.ConnectionString ?? $"Data Source={Path.Join(platform.DataDirectory, "platform.db")}";
                builder.Services.AddDbContext<PlatformDbContext>(o => o.UseSqlite(sqlite));
                break;
            case "postgres" or "postgresql":
                if (string.IsNullOrWhiteSpace(database.ConnectionString))
                {
                    throw new InvalidOperationException("Platform:Database:ConnectionString is required for the postgres provider");
                }
                builder.Services.AddDbContext<PlatformDbContext>(o =>
                    o.UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrations.AssemblyName)));
                break;
            default:
                throw new InvalidOperationException($"Platform:Database:Provider: unknown provider '{database.Provider}' (known: sqlite, postgres)");
        }
        builder.Services.AddHostedService<DatabaseMigrator>();
        return builder;
    }
}
