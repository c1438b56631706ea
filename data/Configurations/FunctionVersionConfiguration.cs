using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class FunctionVersionConfiguration : IEntityTypeConfiguration<FunctionVersion>
{
    public void Configure(EntityTypeBuilder<FunctionVersion> builder)
    {
        builder.HasIndex(v => new { v.FunctionId, v.Number }).IsUnique();
        builder.Property(v => v.Digest).HasMaxLength(71);
        builder.Property(v => v.Settings)
            .HasConversion(JsonColumn<FunctionSettings>.Converter, JsonColumn<FunctionSettings>.Comparer);
    }
}
