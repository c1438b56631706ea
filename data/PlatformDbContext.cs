using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Platform.Data.Entities;

namespace Platform.Data;

/// <summary>The platform's state: tenants, keys, functions, versions, secrets and async invocations (api), nodes and instances (scheduler).</summary>
public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Function> Functions => Set<Function>();
    public DbSet<FunctionVersion> FunctionVersions => Set<FunctionVersion>();
    public DbSet<FunctionSecret> FunctionSecrets => Set<FunctionSecret>();
    public DbSet<Invocation> Invocations => Set<Invocation>();
    public DbSet<Instance> Instances => Set<Instance>();
    public DbSet<Node> Nodes => Set<Node>();
    /// <summary>Messages committed with the change that caused them, waiting to be published (every role that writes).</summary>
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    /// <summary>
    /// Adds a message to the outbox: it commits with the next SaveChanges (and the transaction around it), and is
    /// published after that commit; never if the change is not saved.
    /// </summary>
    public void Enqueue(object message) => Outbox.Add(OutboxMessage.For(message));

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type: stored as text, DateTimeOffset cannot be compared or ordered in SQL. As a
        // 64-bit integer (ticks and offset; every time here is UTC) it can, so "heartbeat older than" queries work.
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(PlatformDbContext).Assembly);
}
