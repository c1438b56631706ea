using Microsoft.EntityFrameworkCore;
using Platform.Data.Entities;

namespace Platform.Data;

/// <summary>The platform's state: tenants, keys, functions and versions (api), nodes and instances (scheduler).</summary>
public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Function> Functions => Set<Function>();
    public DbSet<FunctionVersion> FunctionVersions => Set<FunctionVersion>();
    public DbSet<Instance> Instances => Set<Instance>();
    public DbSet<Node> Nodes => Set<Node>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);
}
