using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data.Configuration;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> b)
    {
        b.ToTable("api_keys");
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(64);
        b.HasIndex(x => x.Name).IsUnique();
        b.Property(x => x.Prefix).HasMaxLength(32);
        b.HasIndex(x => x.Prefix).IsUnique();
        b.Property(x => x.SecretHash).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.Scopes).HasMaxLength(512);
        b.Property(x => x.CreatedBy).HasMaxLength(200);
        b.Property(x => x.RevokedBy).HasMaxLength(200);
        b.Property(x => x.Version).IsConcurrencyToken();
    }
}
