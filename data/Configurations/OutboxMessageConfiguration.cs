using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("Outbox");
        // The relays' scan for left-over rows: oldest first.
        builder.HasIndex(m => m.CreatedAt);
        builder.Property(m => m.Type).HasMaxLength(512);
        builder.Property(m => m.CorrelationId).HasMaxLength(64);
    }
}
