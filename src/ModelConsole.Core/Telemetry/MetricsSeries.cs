using ModelConsole.Core.Metrics;

namespace ModelConsole.Core.Telemetry;

/// <summary>
/// One step of a bundle's metrics (API.md "Telemetry": sums over the step; a metric without data is null), and every
/// metric of the catalog by its name in <see cref="Metrics"/>.
/// </summary>
public sealed record MetricsPoint(
    DateTime T,
    long Requests,
    long Errors,
    double? ErrorRate,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? QualityMean,
    double? CostUsd,
    long InputTokens,
    long OutputTokens,
    long NegativeFeedback,
    IReadOnlyDictionary<string, double?> Metrics);

/// <summary>Turns minute rollups into steps aligned to multiples of the step since 00:00 UTC.</summary>
public static class MetricsSeries
{
    public const int MaxStepMinutes = 1440;
    public const int MaxPoints = 2000;

    /// <summary>The start of the step holding <paramref name="utc"/>: steps restart at every UTC midnight.</summary>
    public static DateTime StepStart(DateTime utc, int stepMinutes)
    {
        var minute = MinuteRollup.MinuteOf(utc);
        var day = minute.Date;
        var minuteOfDay = (int)(minute - day).TotalMinutes;
        return DateTime.SpecifyKind(day.AddMinutes(minuteOfDay / stepMinutes * stepMinutes), DateTimeKind.Utc);
    }

    /// <summary>The step starts from the one holding <paramref name="from"/> up to (not including) <paramref name="to"/>.</summary>
    public static IEnumerable<DateTime> Steps(DateTime from, DateTime to, int stepMinutes)
    {
        var t = StepStart(from, stepMinutes);
        while (t < to)
        {
            yield return t;
            var next = t.AddMinutes(stepMinutes);
            // A step that does not divide the day is cut short at midnight.
            t = next.Date > t.Date ? DateTime.SpecifyKind(next.Date, DateTimeKind.Utc) : next;
        }
    }

    public static IReadOnlyList<MetricsPoint> Build(IEnumerable<MinuteRollup> minutes, DateTime from, DateTime to, int stepMinutes)
    {
        var steps = new SortedDictionary<DateTime, MinuteRollup>();
        foreach (var t in Steps(from, to, stepMinutes))
        {
            steps[t] = new MinuteRollup(0, t);
        }

        foreach (var minute in minutes)
        {
            if (steps.TryGetValue(StepStart(minute.Minute, stepMinutes), out var step))
            {
                step.Merge(minute);
            }
        }

        return steps.Values.Select(ToPoint).ToList();
    }

    /// <summary>A step's point: its sums, and each catalog metric's value (the named fields are the API's first ones).</summary>
    public static MetricsPoint ToPoint(MinuteRollup s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var metrics = MetricCatalog.All.ToDictionary(m => m.Name, m => m.ValueOf(s), StringComparer.Ordinal);
        return new(
            s.Minute,
            s.Requests,
            s.Errors,
            metrics[MetricCatalog.ErrorRate.Name],
            metrics[MetricCatalog.LatencyP50.Name],
            metrics[MetricCatalog.LatencyP95.Name],
            metrics[MetricCatalog.QualityMean.Name],
            s.CostCount == 0 ? null : s.CostSum,
            s.InputTokens,
            s.OutputTokens,
            s.NegativeFeedback,
            metrics);
    }
}
