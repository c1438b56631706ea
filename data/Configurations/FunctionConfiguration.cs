using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class FunctionConfiguration : IEntityTypeConfiguration<Function>
{
    public void Configure(EntityTypeBuilder<Function> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(63);
        builder.HasIndex(f => new { f.TenantId, f.Name }).IsUnique();
        builder.Property(f => f.Settings)
            .HasConversion(JsonColumn<FunctionSettings>.Converter, JsonColumn<FunctionSettings>.Comparer);
        // Existing rows get "{}": no split.
        builder.Property(f => f.Traffic)
            .HasConversion(JsonColumn<TrafficSplit>.Converter, JsonColumn<TrafficSplit>.Comparer)
            .HasDefaultValue(new TrafficSplit());
        builder.HasOne(f => f.Tenant).WithMany().HasForeignKey(f => f.TenantId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(f => f.Versions).WithOne(v => v.Function).HasForeignKey(v => v.FunctionId).OnDelete(DeleteBehavior.Cascade);
    }
}
