using Microsoft.Extensions.Options;
using ModelConsole.Data;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>Migrates the database and seeds demo data before the server accepts requests.</summary>
public sealed class DatabaseStartup(
    DatabaseMigrator migrator,
    RegistryStore store,
    DemoSeeder seeder,
    IOptions<DemoOptions> demo,
    Readiness readiness,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrator.MigrateAsync(cancellationToken);
        if (demo.Value.Enabled && await store.IsEmptyAsync(cancellationToken))
        {
            await seeder.SeedAsync(cancellationToken);
            logger.LogInformation("Seeded an empty database with demo data");
        }

        readiness.MarkReady(await store.IsDemoDatabaseAsync(cancellationToken));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
