using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Data.Entities;

namespace Platform.Data.Configurations;

internal sealed class FunctionSecretConfiguration : IEntityTypeConfiguration<FunctionSecret>
{
    public void Configure(EntityTypeBuilder<FunctionSecret> builder)
    {
        builder.HasIndex(s => new { s.FunctionId, s.Name }).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(255);
        builder.HasOne<Function>().WithMany().HasForeignKey(s => s.FunctionId).OnDelete(DeleteBehavior.Cascade);
    }
}
