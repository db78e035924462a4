using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using ModelConsole.Data;
using Npgsql;

namespace ModelConsole.Web.Services;

/// <summary>
/// What a newcomer needs from the first lines of a start: where the console answers, where to sign in (and, on a
/// demo database, that the demo accounts are listed there), and where the data lives.
/// </summary>
public sealed class StartupBanner(
    IHostApplicationLifetime lifetime, IServer server, Readiness readiness, DatabaseSettings database, ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Announce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Announce()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()?.TrimEnd('/');
        if (address is null)
        {
            return;
        }

        logger.LogInformation(
            "ModelConsole is ready at {Address}: sign in at {Address}/sign-in{Accounts}. Database: {Database}",
            address, address, readiness.IsDemoDatabase ? " (the demo accounts and their passwords are listed on that page)" : string.Empty,
            Describe(database));
    }

    /// <summary>The database in words, never with a password.</summary>
    public static string Describe(DatabaseSettings database)
    {
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
            return $"SQLite file {(file is ":memory:" or "" ? file : Path.GetFullPath(file))}";
        }

        var postgres = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        return $"PostgreSQL database '{postgres.Database}' on {postgres.Host}:{postgres.Port}";
    }
}
