using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data;

/// <summary>
/// The console's database. Each provider has its own subclass so each keeps its own migration set; the rest of
/// the code only sees this type. Identity's users and roles live here too, in the same transactions.
/// </summary>
public abstract class ModelConsoleDbContext(DbContextOptions options) : IdentityDbContext<ConsoleUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    /// <summary>The keys that sign cookies and antiforgery tokens: here, a restart (or another node) keeps everyone signed in.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<FamilyEntity> Families => Set<FamilyEntity>();
    public DbSet<BundleEntity> Bundles => Set<BundleEntity>();
    public DbSet<LedgerEntryEntity> Ledger => Set<LedgerEntryEntity>();
    public DbSet<MetaEntity> Meta => Set<MetaEntity>();
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();
    public DbSet<TelemetryEventEntity> TelemetryEvents => Set<TelemetryEventEntity>();
    public DbSet<RollupEntity> Rollups => Set<RollupEntity>();
    public DbSet<RollupLatencyEntity> RollupLatency => Set<RollupLatencyEntity>();
    public DbSet<RollupErrorEntity> RollupErrors => Set<RollupErrorEntity>();
    public DbSet<RuleEntity> Rules => Set<RuleEntity>();
    public DbSet<SilenceEntity> Silences => Set<SilenceEntity>();
    public DbSet<AlertEntity> Alerts => Set<AlertEntity>();
    public DbSet<RuleStateEntity> RuleStates => Set<RuleStateEntity>();
    public DbSet<ExperimentEntity> Experiments => Set<ExperimentEntity>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ModelConsoleDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Times are UTC everywhere; SQLite hands them back without a kind, so say it on the way in and out.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        BumpVersions();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        BumpVersions();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    // SQLite has no row versions: the application bumps the token, and EF checks the old value in the WHERE clause.
    private void BumpVersions()
    {
        foreach (var entry in ChangeTracker.Entries<IVersioned>())
        {
            if (entry.State == EntityState.Modified)
            {
                entry.Entity.Version++;
            }
        }
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteModelConsoleDbContext(DbContextOptions<SqliteModelConsoleDbContext> options)
    : ModelConsoleDbContext(options);

public sealed class PostgresModelConsoleDbContext(DbContextOptions<PostgresModelConsoleDbContext> options)
    : ModelConsoleDbContext(options);
