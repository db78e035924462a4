using Microsoft.EntityFrameworkCore;

namespace ModelConsole.Data;

/// <summary>Applies the provider's migrations at start and puts SQLite into WAL mode.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<ModelConsoleDbContext> factory, DatabaseSettings settings)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            // WAL survives a killed process and lets readers run beside the one writer.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
    }

    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Database.CanConnectAsync(cancellationToken);
    }
}
