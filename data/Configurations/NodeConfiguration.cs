using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> builder)
    {
        builder.Property(n => n.Id).HasMaxLength(253);
        builder.Property(n => n.Address).HasMaxLength(2048);
        builder.Property(n => n.Backends).HasMaxLength(256).HasDefaultValue("container");
        builder.Property(n => n.State).HasConversion<string>().HasMaxLength(16);
    }
}
