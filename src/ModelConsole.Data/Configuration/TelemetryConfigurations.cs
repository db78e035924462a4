using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data.Configuration;

internal sealed class TelemetryEventConfiguration : IEntityTypeConfiguration<TelemetryEventEntity>
{
    public void Configure(EntityTypeBuilder<TelemetryEventEntity> b)
    {
        b.ToTable("telemetry_events");
        b.HasKey(x => x.Id);
        // Request id first: the same index de-duplicates (request, bundle) and finds a shadow's primary by request id.
        b.HasIndex(x => new { x.RequestId, x.BundleId }).IsUnique();
        // Only shadows still waiting for their primary: small, and what each batch's pairing step scans.
        b.HasIndex(x => x.FamilyId).HasDatabaseName("IX_telemetry_events_unpaired")
            .HasFilter("\"ShadowOf\" IS NOT NULL AND \"PrimaryEventId\" IS NULL");
        // Only paired shadows, by bundle and time: what a comparison's paired section reads. Plain inserts skip it.
        b.HasIndex(x => new { x.BundleId, x.Timestamp }).HasDatabaseName("IX_telemetry_events_paired")
            .HasFilter("\"PrimaryEventId\" IS NOT NULL");
        b.Property(x => x.RequestId).HasMaxLength(TelemetryValidation.MaxRequestIdLength);
        b.Property(x => x.ErrorType).HasMaxLength(TelemetryValidation.MaxErrorTypeLength);
        b.Property(x => x.Subject).HasMaxLength(TelemetryValidation.MaxSubjectLength);
        b.Property(x => x.OutputHash).HasMaxLength(TelemetryValidation.MaxOutputHashLength);
        b.Property(x => x.ShadowOf).HasMaxLength(TelemetryValidation.MaxRequestIdLength);
        b.Property(x => x.Provider).HasMaxLength(TelemetryValidation.MaxProviderLength);
        b.Property(x => x.ServedModel).HasMaxLength(TelemetryValidation.MaxProviderLength);
        b.Property(x => x.Feedback).HasConversion<short>();
        // No foreign keys: bundles are never deleted, and the hot insert should not check them.
    }
}

internal sealed class RollupConfiguration : IEntityTypeConfiguration<RollupEntity>
{
    public void Configure(EntityTypeBuilder<RollupEntity> b)
    {
        b.ToTable("rollups");
        b.HasKey(x => new { x.BundleId, x.Minute });
        b.HasIndex(x => x.Minute);
    }
}

internal sealed class RollupLatencyConfiguration : IEntityTypeConfiguration<RollupLatencyEntity>
{
    public void Configure(EntityTypeBuilder<RollupLatencyEntity> b)
    {
        b.ToTable("rollup_latency");
        b.HasKey(x => new { x.BundleId, x.Minute, x.Bucket });
    }
}

internal sealed class RollupErrorConfiguration : IEntityTypeConfiguration<RollupErrorEntity>
{
    public void Configure(EntityTypeBuilder<RollupErrorEntity> b)
    {
        b.ToTable("rollup_errors");
        b.HasKey(x => new { x.BundleId, x.Minute, x.ErrorType });
        b.Property(x => x.ErrorType).HasMaxLength(TelemetryValidation.MaxErrorTypeLength);
    }
}
