using Microsoft.Extensions.Options;
using ModelConsole.Data;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Services;

/// <summary>Migrates the database and seeds demo data before the server accepts requests.</summary>
public sealed class DatabaseStartup(
    DatabaseMigrator migrator,
    RegistryStore store,
    AlertStore rules,
    DemoSeeder seeder,
    IOptions<DemoOptions> demo,
    Readiness readiness,
    IdentitySeeder identity,
    ApiKeyRing keys,
    RoutingSnapshot routing,
    TelemetryService telemetry,
    AlertsService alerts,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        // Families made before rules were written with them get their defaults once, here, never on a read.
        await rules.SeedMissingRulesAsync(cancellationToken);
        var seeded = false;
        if (demo.Value.Enabled && await store.IsEmptyAsync(cancellationToken))
        {
            seeded = true;
            await seeder.SeedAsync(cancellationToken);
            logger.LogInformation("Seeded an empty database with demo data");
        }

        var demoDatabase = await store.IsDemoDatabaseAsync(cancellationToken);
        // Demo accounts are made with the demo data, once: an admin who deletes one has deleted it for good.
        await identity.SeedAsync(createDemoUsers: seeded, cancellationToken);
        await keys.ReloadAsync(cancellationToken);
        await routing.RoutingVersionChangedAsync(cancellationToken);
        // Every registered bundle is known before the first batch: ingest never refuses one after a restart.
        await telemetry.WarmAsync(cancellationToken);
        // A crash between raising a rollback alert and rolling back (or between the flip and resolving the alert)
        // is mended before the node is ready.
        if (await alerts.RecoverAsync(cancellationToken) is > 0 and var recovered)
        {
            logger.LogWarning("Mended {Count} open alert(s) a previous run left behind", recovered);
        }

        readiness.MarkReady(demoDatabase, seeded);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
