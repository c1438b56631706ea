using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class InstanceConfiguration : IEntityTypeConfiguration<Instance>
{
    public void Configure(EntityTypeBuilder<Instance> builder)
    {
        // No foreign key to Function: a deleted function's instances must outlive its rows until the
        // scheduler has stopped them (FunctionRemoved).
        builder.HasIndex(i => i.FunctionId);
        builder.HasIndex(i => i.NodeId);
        builder.Property(i => i.Digest).HasMaxLength(71);
        builder.Property(i => i.NodeId).HasMaxLength(253);
        builder.Property(i => i.Isolation).HasMaxLength(16).HasDefaultValue("container");
        builder.Property(i => i.State).HasConversion<string>().HasMaxLength(16);
    }
}
