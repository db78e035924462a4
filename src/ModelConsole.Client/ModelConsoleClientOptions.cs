using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ModelConsole.Client;

/// <summary>How a gateway reaches the console and how its client behaves. Checked at start (<see cref="Validate"/>).</summary>
public sealed class ModelConsoleClientOptions
{
    /// <summary>The console's base address, e.g. <c>https://console.example.com/</c>. Required, absolute, http or https.</summary>
    public Uri? ConsoleUrl { get; set; }

    /// <summary>An API key with <c>routing:read</c> and <c>telemetry:write</c>. Required.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The family the chat middleware serves when none is given to it.</summary>
    public string? Family { get; set; }

    /// <summary>What to answer (reason <c>DEFAULT</c>) for a family while no table is known, or for a family the table lacks.</summary>
    public IDictionary<string, string> DefaultBundles { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How often the table is re-read by ETag as a backstop to the hub's push.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Listen to the hub's <c>routingChanged</c> push (off: polling alone).</summary>
    public bool UsePush { get; set; } = true;

    /// <summary>Answers are <c>STALE</c> once the console has not confirmed the table for this long.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Where the last good table is kept, so a gateway restarted while the console is down still routes. Optional.</summary>
    public string? CacheFile { get; set; }

    /// <summary>Events held in memory awaiting delivery; past it new events are dropped and counted, never blocking.</summary>
    public int TelemetryQueueCapacity { get; set; } = 50_000;

    /// <summary>A batch is sent when it has this many events…</summary>
    public int TelemetryBatchSize { get; set; } = 500;

    /// <summary>…or when its oldest event has waited this long.</summary>
    public TimeSpan TelemetryFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries of a batch the console refused with 429 or 5xx (or could not be reached).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Shadow calls in flight at once; a mirrored call beyond it is skipped (and counted), never delaying the primary.</summary>
    public int MaxConcurrentShadowCalls { get; set; } = 4;

    /// <summary>Timeout of each request to the console.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    private static readonly Regex Name = new("^[a-z][a-z0-9-]{1,63}$", RegexOptions.CultureInvariant);

    /// <summary>Every problem with these options, in words; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ConsoleUrl is null)
        {
            problems.Add("ModelConsole:ConsoleUrl is required (the console's base address, e.g. https://console.example.com/).");
        }
        else if (!ConsoleUrl.IsAbsoluteUri || ConsoleUrl.Scheme is not ("http" or "https"))
        {
            problems.Add($"ModelConsole:ConsoleUrl '{ConsoleUrl}' must be an absolute http or https address.");
        }

        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            problems.Add("ModelConsole:ApiKey is required (a key with routing:read and telemetry:write, from the console's API keys page).");
        }

        if (Family is not null && !Name.IsMatch(Family))
        {
            problems.Add($"ModelConsole:Family '{Family}' is not a family name (lower-case letters, digits and '-', starting with a letter, 2-64 characters).");
        }

        foreach (var (family, bundle) in DefaultBundles)
        {
            if (!Name.IsMatch(family) || !Name.IsMatch(bundle))
            {
                problems.Add($"ModelConsole:DefaultBundles '{family}' = '{bundle}' must map a family name to a bundle name.");
            }
        }

        Positive(PollInterval, "PollInterval", problems);
        Positive(StaleAfter, "StaleAfter", problems);
        Positive(TelemetryFlushInterval, "TelemetryFlushInterval", problems);
        Positive(MaxRetryDelay, "MaxRetryDelay", problems);
        Positive(RequestTimeout, "RequestTimeout", problems);
        if (TelemetryQueueCapacity < 1)
        {
            problems.Add("ModelConsole:TelemetryQueueCapacity must be at least 1.");
        }

        if (TelemetryBatchSize is < 1 or > 10_000)
        {
            problems.Add("ModelConsole:TelemetryBatchSize must be between 1 and 10,000 (the console's batch limit).");
        }

        if (MaxConcurrentShadowCalls < 0)
        {
            problems.Add("ModelConsole:MaxConcurrentShadowCalls must not be negative.");
        }

        return problems;
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every problem.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException("ModelConsole", typeof(ModelConsoleClientOptions), problems);
        }
    }

    internal static bool IsName(string value) => Name.IsMatch(value);

    private static void Positive(TimeSpan value, string name, List<string> problems)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"ModelConsole:{name} must be longer than zero.");
        }
    }
}

/// <summary>Runs <see cref="ModelConsoleClientOptions.Validate"/> for the options system (with ValidateOnStart).</summary>
internal sealed class ModelConsoleClientOptionsValidator : IValidateOptions<ModelConsoleClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelConsoleClientOptions options)
    {
        var problems = options.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
