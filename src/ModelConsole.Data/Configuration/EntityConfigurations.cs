using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data.Configuration;

internal sealed class FamilyConfiguration : IEntityTypeConfiguration<FamilyEntity>
{
    public void Configure(EntityTypeBuilder<FamilyEntity> b)
    {
        b.ToTable("families");
        b.HasKey(f => f.Id);
        b.Property(f => f.Name).HasMaxLength(Names.MaxLength);
        b.HasIndex(f => f.Name).IsUnique();
        b.Property(f => f.Description).HasMaxLength(1000);
        b.Property(f => f.Owner).HasMaxLength(128);
        b.Property(f => f.CreatedBy).HasMaxLength(200);
        b.Property(f => f.Version).IsConcurrencyToken();
    }
}

internal sealed class BundleConfiguration : IEntityTypeConfiguration<BundleEntity>
{
    public void Configure(EntityTypeBuilder<BundleEntity> b)
    {
        b.ToTable("bundles");
        b.HasKey(x => x.Id);
        b.Property(x => x.Name).HasMaxLength(Names.MaxLength);
        b.HasIndex(x => x.Name).IsUnique();
        b.HasIndex(x => new { x.FamilyId, x.Stage });
        b.HasIndex(x => x.CreatedAt);
        b.HasOne(x => x.Family).WithMany(f => f.Bundles).HasForeignKey(x => x.FamilyId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(x => x.Parent).WithMany().HasForeignKey(x => x.ParentId).OnDelete(DeleteBehavior.Restrict);
        b.Property(x => x.Provider).HasMaxLength(BundleRegistration.MaxPartLength);
        b.Property(x => x.ModelId).HasMaxLength(BundleRegistration.MaxPartLength);
        b.Property(x => x.PromptHash).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.ConfigHash).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.BundleHash).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.Stage).HasConversion<string>().HasMaxLength(16);
        b.Property(x => x.Changed).HasConversion<int>();
        b.Property(x => x.CreatedBy).HasMaxLength(200);
        b.Property(x => x.Version).IsConcurrencyToken();
    }
}

internal sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntryEntity>
{
    public void Configure(EntityTypeBuilder<LedgerEntryEntity> b)
    {
        b.ToTable("ledger");
        b.HasKey(x => x.Id);
        b.Property(x => x.Actor).HasMaxLength(200);
        b.Property(x => x.Action).HasMaxLength(64);
        b.Property(x => x.Family).HasMaxLength(Names.MaxLength);
        b.Property(x => x.Bundle).HasMaxLength(Names.MaxLength);
        b.Property(x => x.From).HasMaxLength(16);
        b.Property(x => x.To).HasMaxLength(16);
        b.Property(x => x.Reason).HasMaxLength(2000);
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.Family, x.At });
        b.HasIndex(x => new { x.Bundle, x.At });
    }
}

internal sealed class MetaConfiguration : IEntityTypeConfiguration<MetaEntity>
{
    public void Configure(EntityTypeBuilder<MetaEntity> b)
    {
        b.ToTable("meta");
        b.HasKey(x => x.Key);
        b.Property(x => x.Key).HasMaxLength(64);
        b.Property(x => x.Value).HasMaxLength(1000);
    }
}
