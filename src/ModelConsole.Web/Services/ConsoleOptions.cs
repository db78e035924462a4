using Microsoft.Extensions.Options;

namespace ModelConsole.Web.Services;

public sealed class DemoOptions
{
    public bool Enabled { get; set; }

    /// <summary>Defaults to <see cref="Enabled"/> when not set.</summary>
    public bool? Simulate { get; set; }

    /// <summary>Simulated requests per second over all demo families at the daily peak (the trough is 35 % of it).</summary>
    public double RequestsPerSecond { get; set; } = 12;

    /// <summary>How often the simulator posts a batch, in milliseconds.</summary>
    public int TickMilliseconds { get; set; } = 1000;

    /// <summary>Minutes of the active bundles' past traffic simulated right after a new demo database is seeded.</summary>
    public int BackfillMinutes { get; set; } = 60;

    /// <summary>Seeds the simulator's random numbers, for a reproducible run; random when unset.</summary>
    public int? Seed { get; set; }

    public bool ShouldSimulate => Simulate ?? Enabled;
}

public sealed class PipelineOptions
{
    public int AutoRollbackActiveMinutes { get; set; } = 60;
}

public sealed class EvaluationOptions
{
    public int IntervalSeconds { get; set; } = 10;
}

public sealed class AuthOptions
{
    public string? BootstrapApiKey { get; set; }
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();
    public OpenIdConnectOptions OpenIdConnect { get; set; } = new();

    public sealed class BootstrapAdminOptions
    {
        public string? UserName { get; set; }
        public string? Password { get; set; }
    }

    public sealed class OpenIdConnectOptions
    {
        public string? Authority { get; set; }
        public string? ClientId { get; set; }
        public string? ClientSecret { get; set; }
        public string? RoleClaim { get; set; }

        /// <summary>How long a single sign-on session lasts from sign-in (never sliding) before the provider is asked again.</summary>
        public int SessionHours { get; set; } = 8;
    }
}

public sealed class RateLimitOptions
{
    public int PerKeyPerSecond { get; set; } = 1000;
    public int SignInPerMinute { get; set; } = 10;

    /// <summary>API requests per second for each signed-in person (their browser's own calls and scripts with their cookie).</summary>
    public int PerUserPerSecond { get; set; } = 100;

    /// <summary>Expensive reads (metrics, comparisons, experiment results, planner facts) per minute for each caller, in their own budget.</summary>
    public int ExpensivePerMinute { get; set; } = 120;
}

public sealed class TelemetryOptions
{
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;
    public int MaxClockSkewMinutes { get; set; } = 10;
    public int RawRetentionHours { get; set; } = 72;

    /// <summary>Minute rollups older than this fold into hourly ones.</summary>
    public int MinuteRollupDays { get; set; } = 30;

    /// <summary>Hourly rollups older than this are deleted.</summary>
    public int HourlyRollupDays { get; set; } = 400;
}

public sealed class AlertsOptions
{
    public int ResolveAfterHealthyEvaluations { get; set; } = 3;
    public string? WebhookUrl { get; set; }
    public string? WebhookSecret { get; set; }

    /// <summary>The webhook's payload: ModelConsole's own, a Slack incoming webhook message, or a PagerDuty Events API v2 event.</summary>
    public WebhookFormat WebhookFormat { get; set; } = WebhookFormat.ModelConsole;

    /// <summary>The PagerDuty integration's routing key (required with <c>WebhookFormat</c> PagerDuty).</summary>
    public string? PagerDutyRoutingKey { get; set; }

    /// <summary>The console's address as people reach it, for links in Slack messages and PagerDuty incidents.</summary>
    public string? ConsoleUrl { get; set; }

    /// <summary>Attempts per webhook delivery (the first included) before it is given up and logged.</summary>
    public int WebhookAttempts { get; set; } = 5;

    /// <summary>The wait before the first retry; each next one waits twice as long.</summary>
    public int WebhookFirstRetryMilliseconds { get; set; } = 1000;
}

/// <summary>Binds every configuration section of API.md and refuses to start on a bad value, naming the key.</summary>
public static class ConsoleOptions
{
    public static IServiceCollection AddConsoleOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection("Demo"))
            .Validate(o => o.RequestsPerSecond is >= 0.1 and <= 5_000, "Demo:RequestsPerSecond must be between 0.1 and 5000.")
            .Validate(o => o.TickMilliseconds is >= 100 and <= 60_000, "Demo:TickMilliseconds must be between 100 and 60000.")
            .Validate(o => o.BackfillMinutes is >= 0 and <= 1_440, "Demo:BackfillMinutes must be between 0 and 1440.")
            .ValidateOnStart();
        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection("Pipeline"))
            .Validate(o => o.AutoRollbackActiveMinutes is >= 1 and <= 10_080, "Pipeline:AutoRollbackActiveMinutes must be between 1 and 10080 minutes.")
            .ValidateOnStart();
        services.AddOptions<EvaluationOptions>().Bind(configuration.GetSection("Evaluation"))
            .Validate(o => o.IntervalSeconds is >= 1 and <= 3600, "Evaluation:IntervalSeconds must be between 1 and 3600.")
            .ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection("Auth"))
            .Validate(o => o.BootstrapApiKey is null || o.BootstrapApiKey.Length is >= 16 and <= 256, "Auth:BootstrapApiKey must be 16 to 256 characters long.")
            .Validate(o => (o.BootstrapAdmin.UserName is null) == (o.BootstrapAdmin.Password is null), "Auth:BootstrapAdmin:UserName and Auth:BootstrapAdmin:Password must be set together.")
            .Validate(o => o.BootstrapAdmin.Password is null || o.BootstrapAdmin.Password.Length >= 12, "Auth:BootstrapAdmin:Password must be at least 12 characters long.")
            .Validate(o => o.OpenIdConnect.Authority is null || IsHttpUrl(o.OpenIdConnect.Authority), "Auth:OpenIdConnect:Authority must be an absolute http(s) URL.")
            .Validate(o => o.OpenIdConnect.Authority is null || !string.IsNullOrWhiteSpace(o.OpenIdConnect.ClientId), "Auth:OpenIdConnect:ClientId is required when Auth:OpenIdConnect:Authority is set.")
            .Validate(o => o.OpenIdConnect.SessionHours is >= 1 and <= 168, "Auth:OpenIdConnect:SessionHours must be between 1 and 168.")
            .ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection("RateLimit"))
            .Validate(o => o.PerKeyPerSecond >= 1, "RateLimit:PerKeyPerSecond must be at least 1.")
            .Validate(o => o.SignInPerMinute >= 1, "RateLimit:SignInPerMinute must be at least 1.")
            .Validate(o => o.PerUserPerSecond >= 1, "RateLimit:PerUserPerSecond must be at least 1.")
            .Validate(o => o.ExpensivePerMinute >= 1, "RateLimit:ExpensivePerMinute must be at least 1.")
            .ValidateOnStart();
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection("Telemetry"))
            .Validate(o => o.MaxBodyBytes is >= 1024 and <= 1L << 30, "Telemetry:MaxBodyBytes must be between 1024 and 1073741824.")
            .Validate(o => o.MaxClockSkewMinutes is >= 0 and <= 1440, "Telemetry:MaxClockSkewMinutes must be between 0 and 1440.")
            .Validate(o => o.RawRetentionHours is >= 1 and <= 8760, "Telemetry:RawRetentionHours must be between 1 and 8760.")
            .Validate(o => o.MinuteRollupDays is >= 1 and <= 3650, "Telemetry:MinuteRollupDays must be between 1 and 3650.")
            .Validate(o => o.HourlyRollupDays >= o.MinuteRollupDays && o.HourlyRollupDays <= 36500,
                "Telemetry:HourlyRollupDays must be at least Telemetry:MinuteRollupDays and at most 36500.")
            .ValidateOnStart();
        services.AddOptions<AlertsOptions>().Bind(configuration.GetSection("Alerts"))
            .Validate(o => o.ResolveAfterHealthyEvaluations is >= 1 and <= 1000, "Alerts:ResolveAfterHealthyEvaluations must be between 1 and 1000.")
            .Validate(o => o.WebhookUrl is null || IsHttpUrl(o.WebhookUrl), "Alerts:WebhookUrl must be an absolute http(s) URL.")
            .Validate(o => Enum.IsDefined(o.WebhookFormat), "Alerts:WebhookFormat must be ModelConsole, Slack or PagerDuty.")
            .Validate(o => o.WebhookFormat != WebhookFormat.PagerDuty || o.PagerDutyRoutingKey is { Length: >= 1 and <= 128 },
                "Alerts:PagerDutyRoutingKey (1 to 128 characters) is required when Alerts:WebhookFormat is PagerDuty.")
            .Validate(o => o.ConsoleUrl is null || IsHttpUrl(o.ConsoleUrl), "Alerts:ConsoleUrl must be an absolute http(s) URL.")
            .Validate(o => o.WebhookAttempts is >= 1 and <= 20, "Alerts:WebhookAttempts must be between 1 and 20.")
            .Validate(o => o.WebhookFirstRetryMilliseconds is >= 10 and <= 600_000, "Alerts:WebhookFirstRetryMilliseconds must be between 10 and 600000.")
            .ValidateOnStart();
        return services;
    }

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Whether the simulator runs: <c>Demo:Simulate</c>, else <c>Demo:Enabled</c>.</summary>
    public static bool Simulates(this IOptions<DemoOptions> demo) => demo.Value.Simulate ?? demo.Value.Enabled;
}
