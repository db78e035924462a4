using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data.Configuration;

internal sealed class RuleConfiguration : IEntityTypeConfiguration<RuleEntity>
{
    public void Configure(EntityTypeBuilder<RuleEntity> b)
    {
        b.ToTable("rules");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.FamilyId, x.Position });
        b.Property(x => x.Metric).HasMaxLength(32);
        b.Property(x => x.Action).HasMaxLength(16);
        b.Property(x => x.Test).HasMaxLength(16); // existing rows become window rules at α 0.05 (the migration's defaults)
        b.HasOne<FamilyEntity>().WithMany().HasForeignKey(x => x.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class SilenceConfiguration : IEntityTypeConfiguration<SilenceEntity>
{
    public void Configure(EntityTypeBuilder<SilenceEntity> b)
    {
        b.ToTable("silences");
        b.HasKey(x => x.Id);
        b.HasIndex(x => new { x.FamilyId, x.EndsAt });
        b.Property(x => x.Family).HasMaxLength(64);
        b.Property(x => x.Reason).HasMaxLength(2000);
        b.Property(x => x.CreatedBy).HasMaxLength(128);
        b.Property(x => x.EndedBy).HasMaxLength(128);
        b.HasOne<FamilyEntity>().WithMany().HasForeignKey(x => x.FamilyId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<AlertEntity>
{
    public void Configure(EntityTypeBuilder<AlertEntity> b)
    {
        b.ToTable("alerts");
        b.HasKey(x => x.Id);
        // At most one open alert per bundle and rule, whoever races to raise it.
        b.HasIndex(x => new { x.BundleId, x.RuleId }).IsUnique().HasDatabaseName("IX_alerts_open")
            .HasFilter("\"State\" <> 'resolved'");
        b.HasIndex(x => new { x.State, x.RaisedAt });
        b.HasIndex(x => x.FamilyId);
        // Health and the incidents banner look for recent, unacknowledged automatic rollbacks.
        b.HasIndex(x => x.ResolvedAt);
        b.Property(x => x.Family).HasMaxLength(64);
        b.Property(x => x.Bundle).HasMaxLength(128);
        b.Property(x => x.Metric).HasMaxLength(32);
        b.Property(x => x.Action).HasMaxLength(16);
        b.Property(x => x.Reference).HasMaxLength(64);
        b.Property(x => x.Derivation).HasMaxLength(2000);
        b.Property(x => x.State).HasMaxLength(16);
        b.Property(x => x.Resolution).HasMaxLength(16);
        b.Property(x => x.AcknowledgedBy).HasMaxLength(256);
        b.Property(x => x.ResolvedBy).HasMaxLength(256);
        b.Property(x => x.ResolveReason).HasMaxLength(2000);
    }
}

internal sealed class ExperimentConfiguration : IEntityTypeConfiguration<ExperimentEntity>
{
    public void Configure(EntityTypeBuilder<ExperimentEntity> b)
    {
        b.ToTable("experiments");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(40);
        // One running experiment per family, whoever races to start one.
        b.HasIndex(x => x.FamilyId).IsUnique().HasDatabaseName("IX_experiments_running").HasFilter("\"State\" = 'running'");
        b.HasIndex(x => x.StartedAt);
        b.Property(x => x.Family).HasMaxLength(64);
        b.Property(x => x.ArmA).HasMaxLength(128);
        b.Property(x => x.ArmB).HasMaxLength(128);
        b.Property(x => x.Name).HasMaxLength(120);
        b.Property(x => x.Hypothesis).HasMaxLength(2000);
        b.Property(x => x.Metric).HasMaxLength(32);
        b.Property(x => x.MdeType).HasMaxLength(16);
        b.Property(x => x.State).HasMaxLength(16);
        b.Property(x => x.StartedBy).HasMaxLength(256);
        b.Property(x => x.EndedBy).HasMaxLength(256);
        b.Property(x => x.Decision).HasMaxLength(16);
        b.Property(x => x.Reason).HasMaxLength(2000);
        b.HasOne<FamilyEntity>().WithMany().HasForeignKey(x => x.FamilyId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<BundleEntity>().WithMany().HasForeignKey(x => x.ArmAId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<BundleEntity>().WithMany().HasForeignKey(x => x.ArmBId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RuleStateConfiguration : IEntityTypeConfiguration<RuleStateEntity>
{
    public void Configure(EntityTypeBuilder<RuleStateEntity> b)
    {
        b.ToTable("rule_states");
        b.HasKey(x => new { x.BundleId, x.RuleId });
        b.Property(x => x.Verdict).HasMaxLength(16);
    }
}
