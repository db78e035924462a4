using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelConsole.Data;
using ModelConsole.Web.Services;

using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

public class SampleSettingsTests
{
    // API.md "Configuration and bootstrap": the contract's keys, every one documented in the sample.
    public static TheoryData<string> ContractKeys() =>
    [
        "Database:Provider", "ConnectionStrings:ModelConsole", "Redis:Configuration", "Quartz:Clustered",
        "Demo:Enabled", "Demo:Simulate", "Pipeline:AutoRollbackActiveMinutes", "Evaluation:IntervalSeconds",
        "Auth:BootstrapApiKey", "Auth:BootstrapAdmin:UserName", "Auth:BootstrapAdmin:Password",
        "Auth:OpenIdConnect:Authority", "Auth:OpenIdConnect:ClientId", "Auth:OpenIdConnect:ClientSecret",
        "Auth:OpenIdConnect:RoleClaim", "RateLimit:PerKeyPerSecond", "RateLimit:SignInPerMinute",
        "Telemetry:MaxBodyBytes", "Telemetry:MaxClockSkewMinutes", "Telemetry:RawRetentionHours",
        "Alerts:ResolveAfterHealthyEvaluations", "Alerts:WebhookUrl", "Alerts:WebhookSecret",
    ];

    private static IConfigurationRoot Sample() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Repository.Root, "appsettings.sample.json"), optional: false)
        .Build();

    [Theory]
    [MemberData(nameof(ContractKeys))]
    public void Sample_DocumentsEveryConfigurationKeyOfTheContract(string key)
    {
        var keys = Sample().AsEnumerable().Select(kv => kv.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Contains(key, keys);
    }

    [Fact]
    public void Sample_IsValidAsItStands_AndCarriesTheDocumentedDefaults()
    {
        var config = Sample();
        using var services = new ServiceCollection().AddConsoleOptions(config).BuildServiceProvider();

        Assert.Equal(60, services.GetRequiredService<IOptions<PipelineOptions>>().Value.AutoRollbackActiveMinutes);
        Assert.Equal(10, services.GetRequiredService<IOptions<EvaluationOptions>>().Value.IntervalSeconds);
        Assert.Equal(1000, services.GetRequiredService<IOptions<RateLimitOptions>>().Value.PerKeyPerSecond);
        Assert.Equal(16 * 1024 * 1024, services.GetRequiredService<IOptions<TelemetryOptions>>().Value.MaxBodyBytes);
        Assert.Equal(3, services.GetRequiredService<IOptions<AlertsOptions>>().Value.ResolveAfterHealthyEvaluations);
        Assert.Null(services.GetRequiredService<IOptions<AuthOptions>>().Value.BootstrapApiKey);
        Assert.False(services.GetRequiredService<IOptions<DemoOptions>>().Value.Enabled);
        var db = DatabaseSettings.From(config["Database:Provider"], config.GetConnectionString("ModelConsole"), "/srv/console");
        Assert.Equal(DatabaseProvider.Sqlite, db.Provider);
        Assert.Contains("/srv/console/data/modelconsole.db", db.ConnectionString);
    }
}
