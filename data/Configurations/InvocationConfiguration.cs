using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class InvocationConfiguration : IEntityTypeConfiguration<Invocation>
{
    public void Configure(EntityTypeBuilder<Invocation> builder)
    {
        // The dispatcher's scan: unfinished rows by due time.
        builder.HasIndex(i => new { i.Status, i.DueAt });
        builder.HasIndex(i => new { i.FunctionId, i.Status });
        builder.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(i => i.Method).HasMaxLength(16);
        builder.Property(i => i.PathAndQuery).HasMaxLength(8192);
        builder.Property(i => i.RequestHeaders).HasConversion(JsonColumn<InvocationHeaders>.Converter, JsonColumn<InvocationHeaders>.Comparer);
        builder.Property(i => i.ResponseHeaders).HasConversion(JsonColumn<InvocationHeaders>.Converter!, JsonColumn<InvocationHeaders>.Comparer!);
        builder.HasOne<Function>().WithMany().HasForeignKey(i => i.FunctionId).OnDelete(DeleteBehavior.Cascade);
    }
}
