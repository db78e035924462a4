using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using ModelConsole.Data;

namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>The real console on the real HTTP pipeline, over a real database of the chosen provider.</summary>
public class ConsoleFactory(TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    /// <summary>The bootstrap key every factory configures: every scope, no rate limit.</summary>
    public const string BootstrapKey = "test-bootstrap-key-0123456789abcdef";

    public TestDatabase Database { get; } = database;

    private TimeProvider? _clock;

    /// <summary>Replaces the console's clock (before the server starts).</summary>
    public ConsoleFactory WithClock(TimeProvider clock)
    {
        _clock = clock;
        return this;
    }

    /// <summary>A client that authenticates with the bootstrap key.</summary>
    public HttpClient CreateKeyClient(string key = BootstrapKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A client of the alerts hub over the test server (long polling), with the bootstrap key unless <paramref name="key"/> is null.</summary>
    public HubConnection CreateHubConnection(string? key = BootstrapKey) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "/hubs/alerts"), o =>
            {
                o.HttpMessageHandlerFactory = _ => Server.CreateHandler();
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                if (key is not null)
                {
                    o.Headers["X-Api-Key"] = key;
                }
            })
            .Build();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("Database:Provider", Database.Provider.ToString());
        builder.UseSetting("ConnectionStrings:ModelConsole", Database.ConnectionString);
        builder.UseSetting("Demo:Enabled", "false");
        builder.UseSetting("Demo:Simulate", "false");
        builder.UseSetting("Auth:BootstrapApiKey", BootstrapKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (_clock is { } clock)
        {
            builder.ConfigureTestServices(s => s.AddSingleton(clock));
        }
    }
}

/// <summary>A console and its own fresh database, shared by the tests of one class.</summary>
public abstract class ConsoleFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public ConsoleFactory Factory { get; private set; } = null!;

    public DatabaseProvider Provider => provider;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        Factory = new ConsoleFactory(_database);
        _ = Factory.Server; // start now: migrations run before the first test
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

public sealed class SqliteConsoleFixture() : ConsoleFixture(DatabaseProvider.Sqlite);

/// <summary>A console fixture that can also mint API keys with chosen scopes.</summary>
public abstract class KeysFixture(DatabaseProvider provider) : ConsoleFixture(provider)
{
    public async Task<string> KeyAsync(IReadOnlyList<string> scopes)
    {
        var admin = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ModelConsole.Web.Services.AdminService>(Factory.Services);
        var result = await admin.CreateKeyAsync("k-" + Guid.NewGuid().ToString("N")[..12], scopes, false, "test", CancellationToken.None);
        return result.Value!.Key;
    }
}

public sealed class SqliteKeysFixture() : KeysFixture(DatabaseProvider.Sqlite);

public sealed class PostgresKeysFixture() : KeysFixture(DatabaseProvider.Postgres);

public sealed class PostgresConsoleFixture() : ConsoleFixture(DatabaseProvider.Postgres);

/// <summary>A clock that moves only when told to.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
