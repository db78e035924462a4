using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ModelConsole.E2E;

/// <summary>The real console on Kestrel at 127.0.0.1 over a fresh demo SQLite database, and a real Chromium.</summary>
public class ConsoleServer : IAsyncLifetime
{
    /// <summary>Settings over the defaults below (the simulated console turns the traffic simulator on).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modelconsole-e2e", Guid.NewGuid().ToString("N"));
    private Factory? _factory;
    private IPlaywright? _playwright;

    /// <summary>A key with every scope, for journeys that act as a gateway (posting telemetry) before a user looks.</summary>
    public const string BootstrapKey = "e2e-bootstrap-key-0123456789abcdef";

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _factory = new Factory(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "console.db") }.ConnectionString, Settings);
        _factory.UseKestrel(0);
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("MODELCONSOLE_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // left to the OS's temp cleaning
        }
    }

    private sealed class Factory(string connectionString, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Development serves the static web assets from the build output (RECIPES.md).
            builder.UseEnvironment("Development");
            builder.UseUrls("http://127.0.0.1:0");
            builder.UseSetting("Database:Provider", "Sqlite");
            builder.UseSetting("ConnectionStrings:ModelConsole", connectionString);
            builder.UseSetting("Demo:Enabled", "true");
            builder.UseSetting("Demo:Simulate", "false");
            builder.UseSetting("Auth:BootstrapApiKey", BootstrapKey);
            // Every journey signs in from 127.0.0.1; the sign-in limit has its own integration test.
            builder.UseSetting("RateLimit:SignInPerMinute", "1000");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleServer>
{
    public const string Name = "console";
}

/// <summary>The demo console with its traffic simulator on, fast, as a new user's first run has it.</summary>
public sealed class SimulatedConsoleServer : ConsoleServer
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Demo:Simulate"] = "true",
        ["Demo:RequestsPerSecond"] = "60",
        ["Demo:TickMilliseconds"] = "500",
        ["Demo:BackfillMinutes"] = "30",
    };
}

[CollectionDefinition(Name)]
public sealed class SimulatedConsoleCollection : ICollectionFixture<SimulatedConsoleServer>
{
    public const string Name = "simulated console";
}
