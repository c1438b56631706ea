using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Api.Infrastructure;
using Platform.Api.Options;
using Platform.Api.Outbox;
using Platform.Data;
using Platform.Data.Postgres;

namespace Platform.Api.Extensions;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers <see cref="PlatformDbContext"/> for "Platform:Database:Provider" (sqlite: the migrations in
    /// Platform.Data; postgres: those in Platform.Data.Postgres) and applies the migrations at start-up,
    /// before any other hosted service runs, and the outbox relay (api/Outbox/). Roles add their save interceptors as
    /// <see cref="IInterceptor"/> services.
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
                builder.Services.AddDbContext<PlatformDbContext>((sp, o) => o.UseSqlite(sqlite).AddInterceptors(sp.GetServices<IInterceptor>()).AddInterceptors(SqliteConnectionSettings.Instance));
                break;
            case "postgres" or "postgresql":
                if (string.IsNullOrWhiteSpace(database.ConnectionString))
                {
                    throw new InvalidOperationException("Platform:Database:ConnectionString is required for the postgres provider");
                }
                builder.Services.AddDbContext<PlatformDbContext>((sp, o) => o
                    .UseNpgsql(database.ConnectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrations.AssemblyName))
                    .AddInterceptors(sp.GetServices<IInterceptor>()));
                break;
            default:
                throw new InvalidOperationException($"Platform:Database:Provider: unknown provider '{database.Provider}' (known: sqlite, postgres)");
        }
        builder.Services.AddHostedService<DatabaseMigrator>();

        // Every process that writes the database publishes its outbox (after the migrator: it reads the table).
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        builder.Services.AddSingleton<IInterceptor, OutboxInterceptor>();
        return builder;
    }
}
