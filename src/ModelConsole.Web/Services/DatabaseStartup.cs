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
    DemoSeeder seeder,
    IOptions<DemoOptions> demo,
    Readiness readiness,
    IdentitySeeder identity,
    ApiKeyRing keys,
    RoutingSnapshot routing,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        var seeded = false;
        if (demo.Value.Enabled && await store.IsEmptyAsync(cancellationToken))
        {
            seeded = true;
            await seeder.SeedAsync(cancellationToken);
            logger.LogInformation("Seeded an empty database with demo data");
        }

        var demoDatabase = await store.IsDemoDatabaseAsync(cancellationToken);
        await identity.SeedAsync(demoDatabase, cancellationToken);
        await keys.ReloadAsync(cancellationToken);
        await routing.RoutingVersionChangedAsync(cancellationToken);
        readiness.MarkReady(demoDatabase, seeded);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
