using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ModelConsole.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The database settings after validation: provider and connection string.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string DefaultSqlite = "Data Source=data/modelconsole.db";

    /// <summary>
    /// Reads <c>Database:Provider</c> and <c>ConnectionStrings:ModelConsole</c>; throws with the key's name when
    /// invalid. A relative SQLite file is placed under <paramref name="contentRoot"/>, wherever the process started.
    /// </summary>
    public static DatabaseSettings From(string? provider, string? connectionString, string? contentRoot = null)
    {
        DatabaseProvider parsed;
        if (string.IsNullOrWhiteSpace(provider))
        {
            parsed = DatabaseProvider.Sqlite;
        }
        else if (!Enum.TryParse(provider, ignoreCase: true, out parsed) || !Enum.IsDefined(parsed))
        {
            throw new InvalidOperationException($"Database:Provider must be 'Sqlite' or 'Postgres' (it is '{provider}').");
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (parsed == DatabaseProvider.Postgres)
            {
                throw new InvalidOperationException("ConnectionStrings:ModelConsole is required when Database:Provider is 'Postgres'.");
            }

            connectionString = DefaultSqlite;
        }

        try
        {
            DbConnectionStringBuilder builder = parsed == DatabaseProvider.Sqlite
                ? new SqliteConnectionStringBuilder(connectionString)
                : new NpgsqlConnectionStringBuilder(connectionString);
            if (builder is SqliteConnectionStringBuilder sqlite && contentRoot is not null
                && sqlite.Mode != SqliteOpenMode.Memory && sqlite.DataSource is { Length: > 0 } source
                && source != ":memory:" && !Path.IsPathRooted(source))
            {
                sqlite.DataSource = Path.GetFullPath(Path.Combine(contentRoot, source));
                connectionString = sqlite.ConnectionString;
            }
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"ConnectionStrings:ModelConsole is not a valid {parsed} connection string: {ex.Message}", ex);
        }

        return new DatabaseSettings(parsed, connectionString);
    }
}

public static class DatabaseSetup
{
    /// <summary>Registers <see cref="IDbContextFactory{ModelConsoleDbContext}"/> for the configured provider.</summary>
    public static IServiceCollection AddModelConsoleData(this IServiceCollection services, DatabaseSettings settings)
    {
        services.AddSingleton(settings);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            var connectionString = PrepareSqlite(settings.ConnectionString);
            services.AddPooledDbContextFactory<SqliteModelConsoleDbContext>(o => ConfigureSqlite(o, connectionString));
            services.AddSingleton<IDbContextFactory<ModelConsoleDbContext>, Adapter<SqliteModelConsoleDbContext>>();
        }
        else
        {
            services.AddPooledDbContextFactory<PostgresModelConsoleDbContext>(o => ConfigurePostgres(o, settings.ConnectionString));
            services.AddSingleton<IDbContextFactory<ModelConsoleDbContext>, Adapter<PostgresModelConsoleDbContext>>();
        }

        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<Stores.RegistryStore>();
        services.AddSingleton<Stores.LedgerStore>();
        services.AddSingleton<Stores.ApiKeyStore>();
        services.AddSingleton<Stores.PipelineStore>();
        services.AddSingleton<Stores.TelemetryStore>();
        services.AddSingleton<Stores.TelemetryQueries>();
        services.AddSingleton<Stores.AlertStore>();
        services.AddSingleton<Stores.ExperimentStore>();
        // Identity's stores take a context per request scope; everything else uses the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContext());
        return services;
    }

    internal static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString) =>
        // Id lists go as one array parameter: EF 10's default (a parameter per element) makes a list of thousands of
        // ids (an evaluation pass's bundles) a new, slow statement.
        o.UseSqlite(connectionString, s => s.MigrationsHistoryTable("__migrations").UseParameterizedCollectionMode(ParameterTranslationMode.Parameter))
            .AddInterceptors(SqlitePragmas.Instance)
            // SQLite rebuilds a table to alter it, between PRAGMA foreign_keys = 0 and 1, which SQLite cannot run in
            // a transaction: EF's own rebuild, expected on every new database, not a warning for whoever starts it.
            .ConfigureWarnings(w => w.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.NonTransactionalMigrationOperationWarning));

    internal static void ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, s => s.MigrationsHistoryTable("__migrations").UseParameterizedCollectionMode(ParameterTranslationMode.Parameter));

    // A relative SQLite path is relative to the working directory; make sure its folder exists.
    private static string PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }
        }

        return builder.ConnectionString;
    }

    private sealed class Adapter<T>(IDbContextFactory<T> inner) : IDbContextFactory<ModelConsoleDbContext>
        where T : ModelConsoleDbContext
    {
        public ModelConsoleDbContext CreateDbContext() => inner.CreateDbContext();
    }

    /// <summary>WAL is a property of the file (set once by the migrator); synchronous is per connection.</summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private static void Apply(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
        }
    }
}

/// <summary>Design-time factory for `dotnet ef migrations add --context SqliteModelConsoleDbContext`.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteModelConsoleDbContext>
{
    public SqliteModelConsoleDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<SqliteModelConsoleDbContext>();
        DatabaseSetup.ConfigureSqlite(builder, "Data Source=design-time.db");
        return new SqliteModelConsoleDbContext(builder.Options);
    }
}

/// <summary>Design-time factory for `dotnet ef migrations add --context PostgresModelConsoleDbContext`.</summary>
public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresModelConsoleDbContext>
{
    public PostgresModelConsoleDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<PostgresModelConsoleDbContext>();
        DatabaseSetup.ConfigurePostgres(builder, "Host=127.0.0.1;Database=design_time");
        return new PostgresModelConsoleDbContext(builder.Options);
    }
}
