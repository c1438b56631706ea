using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Platform.Data.Postgres;

/// <summary>Lets `dotnet ef migrations add --project data/Postgres` build the PostgreSQL model; no server is needed for that.</summary>
internal sealed class PostgresDbContextFactory : IDesignTimeDbContextFactory<PlatformDbContext>
{
    public PlatformDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PlatformDbContext>()
            .UseNpgsql("Host=localhost;Database=platform", npgsql => npgsql.MigrationsAssembly(PostgresMigrations.AssemblyName))
            .Options);
}
