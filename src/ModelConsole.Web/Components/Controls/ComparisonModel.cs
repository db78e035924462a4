using System.Globalization;
using System.Text;
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
/// direction (Core's <see cref="Comparison.HigherIsWorse"/>).
/// </summary>
public static class ComparisonModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Label(string metric) => metric switch
    {
        Comparison.ErrorRate => "Error rate",
        Comparison.LatencyP50 => "Latency p50",
        Comparison.LatencyP95 => "Latency p95",
        Comparison.QualityMean => "Quality (mean score)",
        Comparison.CostPerCall => "Cost per call",
        Comparison.NegativeFeedbackRate => "Negative feedback",
        _ => metric,
    };

    /// <summary>A value in the metric's unit: percent for rates, ms, a score, or dollars.</summary>
    public static string Value(string metric, double? value) => value is not { } v ? "–" : metric switch
    {
        Comparison.ErrorRate or Comparison.NegativeFeedbackRate => (v * 100).ToString("0.00", C) + " %",
        Comparison.LatencyP50 or Comparison.LatencyP95 => v.ToString("N0", C) + " ms",
        Comparison.QualityMean => v.ToString("0.000", C),
        Comparison.CostPerCall => "$" + v.ToString("0.000000", C),
        _ => v.ToString("G6", C),
    };

    /// <summary>A difference in the metric's unit, signed: percentage points for rates.</summary>
    public static string Delta(string metric, double? delta) => delta is not { } d ? "–" : metric switch
    {
        Comparison.ErrorRate or Comparison.NegativeFeedbackRate => (d * 100).ToString("+0.00;−0.00;0.00", C) + " pp",
        Comparison.LatencyP50 or Comparison.LatencyP95 => d.ToString("+#,0;−#,0;0", C) + " ms",
        Comparison.QualityMean => d.ToString("+0.000;−0.000;0.000", C),
        Comparison.CostPerCall => (d < 0 ? "−$" : "+$") + Math.Abs(d).ToString("0.000000", C),
        _ => d.ToString("G6", C),
    };

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
        return higher == Comparison.HigherIsWorse(row.Metric) ? Mark.Worse : Mark.Better;
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

    /// <summary>The table as CSV, raw numbers in invariant culture, the verdict as the page words it.</summary>
    public static string ToCsv(ComparisonAnswer a)
    {
        var csv = new StringBuilder();
        csv.AppendLine("family,active,candidate,candidateStage,windowMinutes,confidence,from,to");
        csv.AppendLine(C, $"{a.Family},{a.Active},{a.Candidate},{a.CandidateStage},{a.WindowMinutes},{a.Confidence:R},{a.From:O},{a.To:O}");
        csv.AppendLine();
        csv.AppendLine("metric,active,candidate,delta,relativeDelta,ciLow,ciHigh,pValue,samplesActive,samplesCandidate,enoughData,verdict");
        foreach (var r in a.Metrics)
        {
            csv.AppendLine(C, $"{r.Metric},{N(r.Active)},{N(r.Candidate)},{N(r.Delta)},{N(r.RelativeDelta)},{N(r.CiLow)},{N(r.CiHigh)},{N(r.PValue)},{r.SamplesActive},{r.SamplesCandidate},{(r.EnoughData ? "true" : "false")},\"{Verdict(r, a.Confidence, a.MinSamples)}\"");
        }

        if (a.Paired is { } p)
        {
            csv.AppendLine();
            csv.AppendLine("paired,value");
            csv.AppendLine(C, $"pairs,{p.Pairs}");
            csv.AppendLine(C, $"agreement,{N(p.Agreement)}");
            csv.AppendLine(C, $"successOnlyActive,{p.SuccessOnlyActive}");
            csv.AppendLine(C, $"successOnlyCandidate,{p.SuccessOnlyCandidate}");
            csv.AppendLine(C, $"mcNemarPValue,{N(p.McNemar?.PValue)}");
            csv.AppendLine(C, $"qualityMeanDifference,{N(p.Quality?.MeanDifference)}");
            csv.AppendLine(C, $"latencyMeanDifferenceMs,{N(p.LatencyMs?.MeanDifference)}");
        }

        return csv.ToString();
    }

    private static string N(double? value) => value is { } v ? v.ToString("R", C) : "";
}
