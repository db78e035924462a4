using System.Globalization;
using System.Linq.Expressions;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Metrics;

/// <summary>How a metric is counted and tested: a share of calls, a mean over the calls that carry it, or a latency percentile.</summary>
public enum MetricKind
{
    /// <summary>A share of calls (errors, negative feedback): tested with two-proportion statistics.</summary>
    Rate,

    /// <summary>A mean over the calls that carry the value (quality, cost, tokens): tested with Welch's statistic.</summary>
    Mean,

    /// <summary>A latency percentile read from the merged histograms.</summary>
    Percentile,
}

/// <summary>The unit a metric's values are shown in.</summary>
public enum MetricUnit
{
    /// <summary>A fraction shown as a percentage; differences in percentage points.</summary>
    Share,

    /// <summary>A score in [0, 1].</summary>
    Score,

    /// <summary>US dollars.</summary>
    Usd,

    /// <summary>Milliseconds.</summary>
    Milliseconds,

    /// <summary>Tokens.</summary>
    Tokens,
}

/// <summary>
/// A metric's figures in one fold of calls: how many calls carry it (<see cref="Count"/>), the sum of its values and
/// their squares. A rate's values are 0 or 1, so its sum is its events. Counts may be fractional: rollback readiness
/// asks the same tests about expected counts.
/// </summary>
public readonly record struct Moments(double Count, double Sum, double SumSquares)
{
    /// <summary>The mean, or null without calls.</summary>
    public double? Mean => Count > 0 ? Sum / Count : null;

    /// <summary>Count, mean and sample standard deviation, or null with fewer than 2 values.</summary>
    public SampleSummary? Summary
    {
        get
        {
            if (Count < 2)
            {
                return null;
            }

            var mean = Sum / Count;
            var variance = Math.Max(0, (SumSquares - Count * mean * mean) / (Count - 1));
            return new SampleSummary((long)Math.Round(Count), mean, Math.Sqrt(variance));
        }
    }

    /// <summary>The moments of <paramref name="count"/> values with this mean and sample standard deviation.</summary>
    public static Moments Of(double count, double mean, double stdDev) =>
        new(count, count * mean, (count - 1) * stdDev * stdDev + count * mean * mean);
}

/// <summary>Where a latency percentile metric reads its calls from: a histogram, or an expected share for readiness.</summary>
public abstract class LatencyShape
{
    /// <summary>The q-quantile of the calls, or null when unknown.</summary>
    public abstract double? Percentile(double q);

    /// <summary>How many calls were slower than <paramref name="limitMs"/>.</summary>
    public abstract double CountAbove(double limitMs);
}

/// <summary>A window's merged latency histogram (see <see cref="LatencyHistogram"/>).</summary>
public sealed class HistogramShape(IReadOnlyDictionary<int, long> buckets) : LatencyShape
{
    private readonly List<KeyValuePair<int, long>> _ordered = buckets.OrderBy(b => b.Key).ToList();

    /// <inheritdoc />
    public override double? Percentile(double q) => LatencyHistogram.Percentile(_ordered, q);

    /// <inheritdoc />
    public override double CountAbove(double limitMs)
    {
        long slow = 0;
        foreach (var (bucket, count) in _ordered)
        {
            if (LatencyHistogram.Representative(bucket) > limitMs)
            {
                slow += count;
            }
        }

        return slow;
    }
}

/// <summary>What readiness supposes of a window: a known percentile, or a share of calls slower than the limit.</summary>
public sealed class ExpectedShape(double calls, double? percentile, double slowShare) : LatencyShape
{
    /// <inheritdoc />
    public override double? Percentile(double q) => percentile;

    /// <inheritdoc />
    public override double CountAbove(double limitMs) => calls * slowShare;
}

/// <summary>One metric of one window: the calls, the metric's moments and, for a percentile, the latency shape.</summary>
public sealed record MetricWindow(double Calls, Moments Moments, LatencyShape? Latency = null);

/// <summary>
/// A raw call as the metric catalog reads it (the member names are the stored event's, so the same expressions fold
/// raw events in the database).
/// </summary>
public sealed class CallRecord
{
    /// <summary>Whether the call succeeded.</summary>
    public bool Success { get; init; }

    /// <summary>User feedback on the answer.</summary>
    public Feedback Feedback { get; init; }

    /// <summary>The judge's quality score in [0, 1], when scored.</summary>
    public double? QualityScore { get; init; }

    /// <summary>The call's cost in USD, when known.</summary>
    public double? CostUsd { get; init; }

    /// <summary>Latency in milliseconds.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Input tokens (cached ones included).</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }
}

/// <summary>
/// One metric, defined once: its wire name, label, kind, bad direction, unit and formatting, and how its numbers are
/// read from a minute rollup, from a baseline and from a raw call. Rules, readiness, comparisons, experiments,
/// baselines, charts, the planner's facts and the database folds all read metrics through this.
/// </summary>
public sealed class Metric
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private Func<CallRecord, double>? _value;
    private Func<CallRecord, double>? _measured;

    /// <summary>The wire name (<c>errorRate</c>), as the API, the store and the URLs write it.</summary>
    public required string Name { get; init; }

    /// <summary>What a person reads ("Error rate").</summary>
    public required string Label { get; init; }

    /// <summary>Rate, mean or percentile.</summary>
    public required MetricKind Kind { get; init; }

    /// <summary>True when the metric gets worse going up (all of them but quality).</summary>
    public required bool HigherIsWorse { get; init; }

    /// <summary>The unit of its values.</summary>
    public required MetricUnit Unit { get; init; }

    /// <summary>For a percentile: which (0.95 for p95).</summary>
    public double Quantile { get; init; }

    /// <summary>What the calls that carry the metric are called ("calls", "scored calls").</summary>
    public string MeasuredCalls { get; init; } = "calls";

    /// <summary>Rules may watch it.</summary>
    public bool Judged { get; init; }

    /// <summary>Experiments may decide on it (a per-call value exists).</summary>
    public bool Experimented { get; init; }

    /// <summary>The bundle page charts it.</summary>
    public bool Charted { get; init; } = true;

    /// <summary>For a rate or mean: its moments in a rollup (a percentile reads the rollup's histogram instead).</summary>
    public Func<MinuteRollup, Moments>? FromRollup { get; init; }

    /// <summary>Its value in a baseline (a rate, a mean or a percentile), when the baseline has one.</summary>
    public required Func<Baseline, double?> BaselineValue { get; init; }

    /// <summary>For a mean: the standard deviation a baseline carries with it.</summary>
    public Func<Baseline, double?>? BaselineStdDev { get; init; }

    /// <summary>A baseline with this metric's value (and spread) set, for captured baselines.</summary>
    public required Func<Baseline, double?, double?, Baseline> WithBaseline { get; init; }

    /// <summary>The wire names of its baseline fields (value, then spread), for field errors.</summary>
    public required string BaselineField { get; init; }

    /// <summary>The spread's baseline field, for a mean.</summary>
    public string? BaselineStdDevField { get; init; }

    /// <summary>The largest value (and spread) a baseline may give it: 1 for rates and scores, the ingest's bounds for the rest.</summary>
    public double BaselineMaximum { get; init; } = Validation.Limits.MaxValue;

    /// <summary>A raw call's value (0 or 1 for a rate): the Y of per-subject folds.</summary>
    public Expression<Func<CallRecord, double>>? CallValue { get; init; }

    /// <summary>1 when a raw call carries the metric, else 0: the X of per-subject folds.</summary>
    public Expression<Func<CallRecord, double>>? CallMeasured { get; init; }

    /// <summary>The smallest absolute change a new rule asks for by default (half a point for rates).</summary>
    public double DefaultMinAbsoluteEffect => Kind == MetricKind.Rate ? 0.005 : 0;

    /// <summary>True when higher values are better.</summary>
    public bool HigherIsBetter => !HigherIsWorse;

    /// <summary>The metric's figures in a folded window.</summary>
    public MetricWindow Read(MinuteRollup rollup)
    {
        ArgumentNullException.ThrowIfNull(rollup);
        return Kind == MetricKind.Percentile
            ? new MetricWindow(rollup.Requests, new Moments(rollup.Requests, 0, 0), new HistogramShape(rollup.Latency))
            : new MetricWindow(rollup.Requests, FromRollup!(rollup));
    }

    /// <summary>The metric's value in a folded window (a rate, a mean or a percentile), or null without data.</summary>
    public double? ValueOf(MinuteRollup rollup) =>
        Kind == MetricKind.Percentile ? rollup.LatencyPercentile(Quantile) : FromRollup!(rollup).Mean;

    /// <summary>A raw call's value, evaluated in memory.</summary>
    public double ValueOfCall(CallRecord call) => (_value ??= CallValue!.Compile())(call);

    /// <summary>Whether a raw call carries the metric, evaluated in memory.</summary>
    public bool Measures(CallRecord call) => (_measured ??= CallMeasured!.Compile())(call) > 0;

    /// <summary>The value and spread a baseline gives it.</summary>
    public (double? Value, double? StdDev) FromBaseline(Baseline baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return (BaselineValue(baseline), BaselineStdDev?.Invoke(baseline));
    }

    /// <summary>
    /// The window a bundle is expected to show over <paramref name="calls"/> measured calls at the values a baseline
    /// gives (a mean needs its spread too); null when the baseline says nothing of this metric. Rollback readiness
    /// judges such windows.
    /// </summary>
    public MetricWindow? Expected(Baseline values, double calls)
    {
        if (FromBaseline(values) is not ({ } value, var spread))
        {
            return null;
        }

        return Kind switch
        {
            MetricKind.Rate => new MetricWindow(calls, new Moments(calls, value * calls, value * calls)),
            MetricKind.Mean when spread is { } sd => new MetricWindow(calls, Moments.Of(calls, value, sd)),
            MetricKind.Percentile => new MetricWindow(calls, new Moments(calls, 0, 0), new ExpectedShape(calls, value, 0)),
            _ => null,
        };
    }

    /// <summary>The unit as an axis names it: "%", "ms", "score", "USD", "tokens".</summary>
    public string UnitLabel => Unit switch
    {
        MetricUnit.Share => "%",
        MetricUnit.Milliseconds => "ms",
        MetricUnit.Score => "score",
        MetricUnit.Usd => "USD",
        _ => "tokens",
    };

    /// <summary>What a value is multiplied by to be shown in <see cref="UnitLabel"/> (100 for a share).</summary>
    public double DisplayScale => Unit == MetricUnit.Share ? 100 : 1;

    /// <summary>A value in the metric's unit: "2.00 %", "1,250 ms", "0.812", "$0.000420", "412.5 tokens"; "–" for none.</summary>
    public string Format(double? value) => value is not { } v ? "–" : Unit switch
    {
        MetricUnit.Share => (v * 100).ToString("0.00", C) + " %",
        MetricUnit.Milliseconds => v.ToString("N0", C) + " ms",
        MetricUnit.Score => v.ToString("0.000", C),
        MetricUnit.Usd => "$" + v.ToString("0.000000", C),
        _ => v.ToString("N1", C) + " tokens",
    };

    /// <summary>A value without its unit, as a derivation's "± spread" reads.</summary>
    public string FormatBare(double value) => Unit switch
    {
        MetricUnit.Share => (value * 100).ToString("0.00", C),
        MetricUnit.Milliseconds => value.ToString("N0", C),
        MetricUnit.Usd => value.ToString("0.000000", C),
        MetricUnit.Tokens => value.ToString("N1", C),
        _ => value.ToString("0.000", C),
    };

    /// <summary>A signed difference in the metric's unit: percentage points for rates; "–" for none.</summary>
    public string FormatDelta(double? delta) => delta is not { } d ? "–" : Unit switch
    {
        MetricUnit.Share => (d * 100).ToString("+0.00;−0.00;0.00", C) + " pp",
        MetricUnit.Milliseconds => d.ToString("+#,0;−#,0;0", C) + " ms",
        MetricUnit.Score => d.ToString("+0.000;−0.000;0.000", C),
        MetricUnit.Usd => (d < 0 ? "−$" : "+$") + Math.Abs(d).ToString("0.000000", C),
        _ => d.ToString("+#,0.0;−#,0.0;0.0", C) + " tokens",
    };

    /// <summary>A value rounded for people and spreadsheets (CSV exports): no float noise, no thousands separators.</summary>
    public string Round(double value) => Unit switch
    {
        MetricUnit.Share or MetricUnit.Score => value.ToString("0.######", C),
        MetricUnit.Usd => value.ToString("0.########", C),
        _ => value.ToString("0.###", C),
    };

    /// <inheritdoc />
    public override string ToString() => Name;
}
