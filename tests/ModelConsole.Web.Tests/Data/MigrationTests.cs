using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Data;

/// <summary>Each provider's migration set applies to an empty database and matches the model exactly.</summary>
public abstract class MigrationTests(DatabaseProvider provider)
{
    [Fact]
    public async Task Migrations_ApplyToAnEmptyDatabase_AndLeaveNoPendingModelChanges()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddModelConsoleData(database.Settings)
            .BuildServiceProvider();

        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

        await using var db = await services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model has changes without a migration: add one with dotnet ef migrations add.");
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(provider == DatabaseProvider.Sqlite ? "Microsoft.EntityFrameworkCore.Sqlite" : "Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
    }

    [Fact]
    public async Task Migrating_Twice_IsHarmless()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddModelConsoleData(database.Settings).BuildServiceProvider();
        var migrator = services.GetRequiredService<DatabaseMigrator>();

        await migrator.MigrateAsync(CancellationToken.None);
        await migrator.MigrateAsync(CancellationToken.None);

        Assert.True(await migrator.CanConnectAsync(CancellationToken.None));
    }
}

public sealed class SqliteMigrationTests() : MigrationTests(DatabaseProvider.Sqlite)
{
    [Fact]
    public async Task Sqlite_RunsInWalMode()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var services = new ServiceCollection().AddSingleton(TimeProvider.System).AddModelConsoleData(database.Settings).BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

        await using var db = await services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();
        var mode = await db.Database.SqlQueryRaw<string>("PRAGMA journal_mode").ToListAsync();

        Assert.Equal("wal", Assert.Single(mode));
    }
}

public sealed class PostgresMigrationTests() : MigrationTests(DatabaseProvider.Postgres);
