using System.Globalization;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Components.Controls;

/// <summary>How a comparison row reads: better, worse, no clear difference, or not enough data.</summary>
public enum Mark
{
    NoData,
    NotEnoughData,
    NoTest,
    NoClearDifference,
    Better,
    Worse,
}

/// <summary>
/// Plain words for a comparison (the page and its CSV say the same): metric names with units, values, deltas and
/// a verdict per row such as "worse, p = 0.003" from the row's p-value, the confidence level and the metric's bad
/// direction (the metric catalog's).
/// </summary>
public static class ComparisonModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The metric's label ("Error rate"), or its wire name when the catalog does not know it.</summary>
    public static string Label(string metric) => MetricCatalog.LabelOf(metric);

    /// <summary>A value in the metric's unit: percent for rates, ms, a score, dollars or tokens.</summary>
    public static string Value(string metric, double? value) =>
        MetricCatalog.TryGet(metric, out var m) ? m.Format(value) : value?.ToString("G6", C) ?? "–";

    /// <summary>A difference in the metric's unit, signed: percentage points for rates.</summary>
    public static string Delta(string metric, double? delta) =>
        MetricCatalog.TryGet(metric, out var m) ? m.FormatDelta(delta) : delta?.ToString("G6", C) ?? "–";

    public static string Relative(double? relative) => relative is { } r ? (r * 100).ToString("+0.0;−0.0;0.0", C) + " %" : "";

    public static string Interval(ComparisonRow row) =>
        row.CiLow is { } low && row.CiHigh is { } high ? $"{Delta(row.Metric, low)} to {Delta(row.Metric, high)}" : "–";

    public static string PValue(double p) => p < 0.001 ? "p < 0.001" : "p = " + p.ToString(p < 0.01 ? "0.0000" : "0.000", C);

    public static Mark MarkOf(ComparisonRow row, double confidence)
    {
        if (row.SamplesActive == 0 || row.SamplesCandidate == 0 || row.Candidate is null || row.Active is null)
        {
            return Mark.NoData;
        }

        if (!row.EnoughData)
        {
            return Mark.NotEnoughData;
        }

        if (row.PValue is not { } p)
        {
            return Mark.NoTest;
        }

        if (p >= 1 - confidence)
        {
            return Mark.NoClearDifference;
        }

        var higher = row.Delta > 0;
        return higher == (!MetricCatalog.TryGet(row.Metric, out var metric) || metric.HigherIsWorse) ? Mark.Worse : Mark.Better;
    }

    public static string Verdict(ComparisonRow row, double confidence, long minSamples) => MarkOf(row, confidence) switch
    {
        Mark.NoData => "no data yet",
        Mark.NotEnoughData => $"not enough data ({Math.Min(row.SamplesActive, row.SamplesCandidate).ToString("N0", C)} of {minSamples.ToString("N0", C)} samples)",
        Mark.NoTest => "no test for a percentile",
        Mark.NoClearDifference => $"no clear difference, {PValue(row.PValue!.Value)}",
        Mark.Better => $"better, {PValue(row.PValue!.Value)}",
        _ => $"worse, {PValue(row.PValue!.Value)}",
    };

    /// <summary>The table as CSV, numbers in invariant culture, the verdict as the page words it.</summary>
    public static string ToCsv(ComparisonAnswer a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var csv = new CsvWriter()
            .Row("family", "active", "candidate", "candidateStage", "windowMinutes", "confidence", "from", "to")
            .Row(a.Family, a.Active, a.Candidate, a.CandidateStage, a.WindowMinutes, a.Confidence, a.From, a.To)
            .Blank()
            .Row("metric", "active", "candidate", "delta", "relativeDelta", "ciLow", "ciHigh", "pValue", "samplesActive", "samplesCandidate", "enoughData", "verdict");
        foreach (var r in a.Metrics)
        {
            csv.Row(r.Metric, r.Active, r.Candidate, r.Delta, r.RelativeDelta, r.CiLow, r.CiHigh, r.PValue, r.SamplesActive, r.SamplesCandidate, r.EnoughData,
                Verdict(r, a.Confidence, a.MinSamples));
        }

        if (a.Paired is { } p)
        {
            csv.Blank()
                .Row("paired", "value")
                .Row("pairs", p.Pairs)
                .Row("agreement", p.Agreement)
                .Row("successOnlyActive", p.SuccessOnlyActive)
                .Row("successOnlyCandidate", p.SuccessOnlyCandidate)
                .Row("mcNemarPValue", p.McNemar?.PValue)
                .Row("qualityMeanDifference", p.Quality?.MeanDifference)
                .Row("latencyMeanDifferenceMs", p.LatencyMs?.MeanDifference);
        }

        return csv.ToString();
    }
}
