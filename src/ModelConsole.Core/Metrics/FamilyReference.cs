using ModelConsole.Core.Bundles;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;

namespace ModelConsole.Core.Metrics;

/// <summary>
/// What a family's recent traffic says, the one reference the planner, experiments and rollback readiness use: its
/// served calls (every bundle that served users, not only today's ACTIVE one, and never mirrored shadow calls), and
/// per metric the reference value — the ACTIVE bundle's own recent calls when they have it, else its captured or
/// registered baseline — with the share of served calls that carry the metric. <see cref="Live"/> holds the ACTIVE
/// bundle's own calls alone: what a rule's window would compare with.
/// </summary>
public sealed record FamilyReference(
    double MinutesObserved,
    long ServedCalls,
    MinuteRollup Served,
    string? Active,
    MinuteRollup? ActiveWindow,
    Baseline? Live,
    Baseline? Values)
{
    /// <summary>Estimates use at least an hour of data, so a first minute of traffic is not multiplied by 1,440.</summary>
    public const double MinMinutesObserved = 60;

    /// <summary>Served calls per minute over the time observed.</summary>
    public double RequestsPerMinute => MinutesObserved > 0 ? ServedCalls / MinutesObserved : 0;

    /// <summary>Served calls per day at that rate, or null before any call.</summary>
    public double? RequestsPerDay => ServedCalls > 0 ? RequestsPerMinute * 1440 : null;

    /// <summary>The reference value of a metric, or null when neither calls nor baseline give it.</summary>
    public double? Value(Metric metric) => Values is null ? null : metric.FromBaseline(Values).Value;

    /// <summary>The reference spread of a mean metric, when known.</summary>
    public double? StdDev(Metric metric) => Values is null ? null : metric.FromBaseline(Values).StdDev;

    /// <summary>The share of served calls that carry a mean metric (every call for rates and percentiles; 1 before any call).</summary>
    public double Share(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Kind != MetricKind.Mean || Served.Requests == 0 ? 1 : Math.Min(1, metric.FromRollup!(Served).Count / Served.Served);
    }

    /// <summary>The shares of every mean metric, by name (what readiness takes).</summary>
    public IReadOnlyDictionary<string, double> Shares =>
        MetricCatalog.All.Where(m => m.Kind == MetricKind.Mean).ToDictionary(m => m.Name, Share, StringComparer.Ordinal);

    /// <summary>The average call's tokens (input, output, cached input) over the served calls, or null before any.</summary>
    public (double Input, double Output, double CachedInput)? AverageTokens => Served.Requests == 0 ? null
        : ((double)Served.InputTokens / Served.Requests, (double)Served.OutputTokens / Served.Requests, (double)Served.CachedInputTokens / Served.Requests);

    /// <summary>
    /// Builds the reference from the family's folded windows: <paramref name="servedWindows"/> are the windows of its
    /// bundles that serve users (the shadow's left out by the caller; mirrored calls are subtracted here),
    /// <paramref name="activeWindow"/> the ACTIVE bundle's own, <paramref name="activeBaseline"/> its captured or
    /// registered baseline. The time observed runs from the first minute with data to <paramref name="to"/>, at least
    /// <see cref="MinMinutesObserved"/> and at most the window.
    /// </summary>
    public static FamilyReference From(IEnumerable<MinuteRollup> servedWindows, string? active, MinuteRollup? activeWindow, Baseline? activeBaseline,
        DateTime to, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(servedWindows);
        var windows = servedWindows.ToList();
        var served = new MinuteRollup(0, windows.Count == 0 ? to : windows.Min(w => w.Minute));
        foreach (var w in windows)
        {
            served.Merge(w);
        }

        var minutes = windows.Count == 0 ? window.TotalMinutes
            : Math.Clamp((to - served.Minute).TotalMinutes, Math.Min(MinMinutesObserved, window.TotalMinutes), window.TotalMinutes);
        var live = activeWindow is null ? null : BaselineCapture.From(activeWindow);
        return new FamilyReference(minutes, served.Served, served, active, activeWindow, live, BaselineCapture.Merge(live, activeBaseline));
    }
}
