using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Thresholds;

/// <summary>A baseline captured from a bundle's own live traffic (at its promotion, or on demand).</summary>
public static class BaselineCapture
{
    /// <summary>The baseline the folded window says (every metric of the catalog), or null when it holds no calls.</summary>
    public static Baseline? From(MinuteRollup window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Requests == 0)
        {
            return null;
        }

        var baseline = new Baseline(window.Requests);
        foreach (var metric in MetricCatalog.All)
        {
            // A mean is kept with its spread, so it needs two values.
            baseline = metric.Kind == MetricKind.Mean && metric.FromRollup!(window).Summary is var summary
                ? metric.WithBaseline(baseline, summary?.Mean, summary?.StdDev)
                : metric.WithBaseline(baseline, metric.ValueOf(window), null);
        }

        return baseline;
    }

    /// <summary>
    /// Only an ACTIVE bundle's calls become a captured baseline: a candidate is judged against the active bundle and
    /// falls back to its own baseline, so capturing a candidate's (possibly degraded) calls would hide what they are
    /// meant to catch. Null when capturing is allowed, else why not.
    /// </summary>
    public static string? RefusalFor(string bundle, Stage stage) =>
        stage == Stage.Active ? null
            : $"{bundle} is not ACTIVE (it is {stage.ToWire()}): baselines are captured from the active bundle (a candidate is judged against the active one, and its own calls must not become its yardstick).";

    /// <summary>
    /// A bundle's values for a family's reference: each metric from its recent calls when they have it, else from its
    /// baseline (captured or registered); null when there is neither.
    /// </summary>
    public static Baseline? Merge(Baseline? live, Baseline? baseline)
    {
        if (live is null || baseline is null)
        {
            return live ?? baseline;
        }

        var merged = live;
        foreach (var metric in MetricCatalog.All)
        {
            var (value, spread) = metric.FromBaseline(live);
            var (fallback, fallbackSpread) = metric.FromBaseline(baseline);
            merged = metric.WithBaseline(merged, value ?? fallback, value is null ? fallbackSpread : spread ?? fallbackSpread);
        }

        return merged;
    }
}
