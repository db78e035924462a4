using System.Globalization;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Thresholds;

public enum VerdictKind
{
    /// <summary>Too few samples, or nothing to compare with: never a pass, never a breach.</summary>
    Inconclusive,
    Pass,
    Breach,
}

/// <summary>A baseline a bundle can be judged against, and where it came from ("registered" or "captured").</summary>
public sealed record BaselineReference(Baseline Baseline, string Source);

/// <summary>
/// A rule's verdict on one window, with its derivation in words and numbers: what it compared with (the active
/// bundle in the same window, or a baseline), the statistic and each condition.
/// </summary>
public sealed record Verdict(
    VerdictKind Kind,
    Rule Rule,
    double? Observed,
    double? Limit,
    double? ReferenceValue,
    string Reference,
    long Samples,
    double? Statistic,
    string Derivation);

/// <summary>
/// Judges a bundle's window against its reference exactly as DESIGN.md "Thresholds relative to the baseline" says:
/// the active bundle's traffic in the same window when it has <c>minSamples</c> there, else the baseline (whose
/// sample count enters the variance); rates by the pooled one-sided two-proportion z, means by Welch's statistic,
/// p95 by the share of calls slower than the reference p95 × (1 + tolerance) tested as a rate against 5 %.
/// </summary>
public static class RuleEvaluator
{
    public const double TailShare = 0.05;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <param name="candidate">The judged bundle's window, folded.</param>
    /// <param name="active">The ACTIVE bundle's same window, or null when the judged bundle is the active one.</param>
    /// <param name="baseline">The judged bundle's baseline (captured at promotion, else registered), if any.</param>
    public static Verdict Evaluate(Rule rule, MinuteRollup candidate, MinuteRollup? active, BaselineReference? baseline) => rule.Metric switch
    {
        RuleMetric.ErrorRate => Rate(rule, candidate.Errors, candidate.Requests, active is null ? null : (active.Errors, active.Requests),
            baseline?.Baseline.ErrorRate, baseline),
        RuleMetric.NegativeFeedbackRate => Rate(rule, candidate.NegativeFeedback, candidate.Requests, active is null ? null : (active.NegativeFeedback, active.Requests),
            baseline?.Baseline.NegativeFeedbackRate, baseline),
        RuleMetric.QualityMean => Mean(rule, Comparison.Summary(candidate.QualityCount, candidate.QualitySum, candidate.QualitySumSquares), candidate.QualityCount,
            active is null ? null : (Comparison.Summary(active.QualityCount, active.QualitySum, active.QualitySumSquares), active.QualityCount),
            baseline?.Baseline.QualityMean, baseline?.Baseline.QualityStdDev, baseline),
        RuleMetric.CostPerCall => Mean(rule, Comparison.Summary(candidate.CostCount, candidate.CostSum, candidate.CostSumSquares), candidate.CostCount,
            active is null ? null : (Comparison.Summary(active.CostCount, active.CostSum, active.CostSumSquares), active.CostCount),
            baseline?.Baseline.CostPerCallUsd, baseline?.Baseline.CostPerCallStdDevUsd, baseline),
        _ => LatencyP95(rule, candidate, active, baseline),
    };

    private static Verdict Rate(Rule rule, long events, long trials, (long Events, long Trials)? active, double? baselineRate, BaselineReference? baseline)
    {
        if (trials < rule.MinSamples)
        {
            return NotEnough(rule, trials, trials == 0 ? null : (double)events / trials);
        }

        long refEvents, refTrials;
        string source;
        if (active is { } a && a.Trials >= rule.MinSamples)
        {
            (refEvents, refTrials, source) = (a.Events, a.Trials, "active");
        }
        else if (baselineRate is { } rate && baseline is { Baseline.Samples: > 0 } b)
        {
            refTrials = b.Baseline.Samples!.Value;
            refEvents = (long)Math.Round(rate * refTrials);
            source = b.Source + " baseline";
        }
        else
        {
            return NoReference(rule, trials, (double)events / trials, active?.Trials);
        }

        var p = (double)events / trials;
        var reference = (double)refEvents / refTrials;
        var z = TwoProportionZTest.PooledZ(refEvents, refTrials, events, trials);
        var absolute = p - reference;
        var relative = reference > 0 ? absolute / reference : (double?)null;
        var zOk = z > rule.Z;
        var relativeOk = relative is not { } r || r >= rule.MinEffect; // a zero reference has only the absolute condition
        var absoluteOk = absolute >= rule.MinAbsoluteEffect;
        var breach = zOk && relativeOk && absoluteOk;

        var parts = new List<string>
        {
            $"reference {Pct(reference)} ({source}, {refEvents.ToString("N0", C)} of {refTrials.ToString("N0", C)})",
            $"candidate {Pct(p)} ({events.ToString("N0", C)} of {trials.ToString("N0", C)})",
            $"pooled z = {z.ToString("0.00", C)} {(zOk ? ">" : "≤")} {Num(rule.Z)}",
        };
        if (relative is { } rel)
        {
            parts.Add($"relative change {Signed(rel * 100, "0")} % {(relativeOk ? "≥" : "<")} {Num(rule.MinEffect * 100)} %");
        }

        parts.Add($"absolute change {Signed(absolute * 100, "0.00")} pp {(absoluteOk ? "≥" : "<")} {Num(rule.MinAbsoluteEffect * 100)} pp");
        // The candidate rate that would meet every condition, as the alert's limit (the z part by the unpooled error).
        var zLimit = reference + rule.Z * Math.Sqrt(Math.Max(reference * (1 - reference), 1e-12) * (1.0 / refTrials + 1.0 / trials));
        var limit = Math.Max(zLimit, Math.Max(reference * (1 + rule.MinEffect), reference + rule.MinAbsoluteEffect));
        return Done(rule, breach, p, limit, reference, source, trials, z, parts);
    }

    private static Verdict Mean(Rule rule, SampleSummary? candidate, long count, (SampleSummary? Summary, long Count)? active,
        double? baselineMean, double? baselineSd, BaselineReference? baseline)
    {
        if (count < rule.MinSamples || candidate is null)
        {
            return NotEnough(rule, count, candidate?.Mean);
        }

        SampleSummary reference;
        string source;
        if (active is { Summary: { } a } && active.Value.Count >= rule.MinSamples)
        {
            (reference, source) = (a, "active");
        }
        else if (baselineMean is { } mean && baselineSd is { } sd && baseline is { Baseline.Samples: > 1 } b)
        {
            (reference, source) = (new SampleSummary(b.Baseline.Samples!.Value, mean, sd), b.Source + " baseline");
        }
        else
        {
            return NoReference(rule, count, candidate.Mean, active?.Count);
        }

        // The bad direction: quality going down, cost going up.
        var worse = rule.Metric == RuleMetric.QualityMean ? reference.Mean - candidate.Mean : candidate.Mean - reference.Mean;
        var se = Math.Sqrt(candidate.StdDev * candidate.StdDev / candidate.Count + reference.StdDev * reference.StdDev / reference.Count);
        var t = se > 0 ? worse / se : worse > 0 ? double.PositiveInfinity : 0;
        var relative = reference.Mean != 0 ? worse / Math.Abs(reference.Mean) : (double?)null;
        var tOk = t > rule.Z;
        var relativeOk = relative is not { } r || r >= rule.MinEffect;
        var absoluteOk = worse >= rule.MinAbsoluteEffect;
        var breach = tOk && relativeOk && absoluteOk;
        var unit = rule.Metric == RuleMetric.CostPerCall ? "$" : "";
        var format = rule.Metric == RuleMetric.CostPerCall ? "0.000000" : "0.000";
        var parts = new List<string>
        {
            $"reference {unit}{reference.Mean.ToString(format, C)} ± {reference.StdDev.ToString(format, C)} ({source}, n = {reference.Count.ToString("N0", C)})",
            $"candidate {unit}{candidate.Mean.ToString(format, C)} ± {candidate.StdDev.ToString(format, C)} (n = {candidate.Count.ToString("N0", C)})",
            $"Welch t = {(double.IsInfinity(t) ? "∞" : t.ToString("0.00", C))} {(tOk ? ">" : "≤")} {Num(rule.Z)}",
        };
        if (relative is { } rel)
        {
            parts.Add($"{(rule.Metric == RuleMetric.QualityMean ? "relative drop" : "relative rise")} {Signed(rel * 100, "0.0")} % {(relativeOk ? "≥" : "<")} {Num(rule.MinEffect * 100)} %");
        }

        if (rule.MinAbsoluteEffect > 0)
        {
            parts.Add($"absolute {Signed(worse, format)} {(absoluteOk ? "≥" : "<")} {rule.MinAbsoluteEffect.ToString(format, C)}");
        }

        var margin = Math.Max(rule.Z * se, Math.Max(Math.Abs(reference.Mean) * rule.MinEffect, rule.MinAbsoluteEffect));
        var limit = rule.Metric == RuleMetric.QualityMean ? reference.Mean - margin : reference.Mean + margin;
        return Done(rule, breach, candidate.Mean, limit, reference.Mean, source, count, t, parts);
    }

    private static Verdict LatencyP95(Rule rule, MinuteRollup candidate, MinuteRollup? active, BaselineReference? baseline)
    {
        var observed = candidate.LatencyPercentile(0.95);
        if (candidate.Requests < rule.MinSamples)
        {
            return NotEnough(rule, candidate.Requests, observed);
        }

        double referenceP95;
        string source;
        long refCount;
        if (active is { } a && a.Requests >= rule.MinSamples && a.LatencyPercentile(0.95) is { } p95)
        {
            (referenceP95, source, refCount) = (p95, "active", a.Requests);
        }
        else if (baseline is { Baseline.LatencyP95Ms: { } registered } b)
        {
            (referenceP95, source, refCount) = (registered, b.Source + " baseline", b.Baseline.Samples ?? 0);
        }
        else
        {
            return NoReference(rule, candidate.Requests, observed, active?.Requests);
        }

        var limit = referenceP95 * (1 + rule.Tolerance);
        var slow = candidate.Latency.Where(b => LatencyHistogram.Representative(b.Key) > limit).Sum(b => b.Value);
        var share = (double)slow / candidate.Requests;
        var z = (share - TailShare) / Math.Sqrt(TailShare * (1 - TailShare) / candidate.Requests);
        var breach = z > rule.Z;
        var parts = new List<string>
        {
            $"reference p95 {Ms(referenceP95)} ({source}{(refCount > 0 ? $", n = {refCount.ToString("N0", C)}" : "")}), limit {Ms(referenceP95)} × {Num(1 + rule.Tolerance)} = {Ms(limit)}",
            $"candidate p95 {(observed is { } o ? Ms(o) : "–")}, {Pct(share)} of {candidate.Requests.ToString("N0", C)} calls slower than the limit",
            $"z against 5 % = {z.ToString("0.00", C)} {(breach ? ">" : "≤")} {Num(rule.Z)}",
        };
        return Done(rule, breach, observed, limit, referenceP95, source, candidate.Requests, z, parts);
    }

    private static Verdict Done(Rule rule, bool breach, double? observed, double limit, double reference, string source, long samples, double statistic, List<string> parts) =>
        new(breach ? VerdictKind.Breach : VerdictKind.Pass, rule, observed, limit, reference, source, samples, statistic,
            string.Join(", ", parts) + (breach ? " → breach" : " → pass"));

    private static Verdict NotEnough(Rule rule, long samples, double? observed) =>
        new(VerdictKind.Inconclusive, rule, observed, null, null, "none", samples, null,
            $"not enough data: {samples.ToString("N0", C)} of {rule.MinSamples.ToString("N0", C)} samples in the last {rule.WindowMinutes} min → inconclusive");

    private static Verdict NoReference(Rule rule, long samples, double? observed, long? activeSamples) =>
        new(VerdictKind.Inconclusive, rule, observed, null, null, "none", samples, null,
            $"no reference: the active bundle has {(activeSamples ?? 0).ToString("N0", C)} of {rule.MinSamples.ToString("N0", C)} samples in the window and there is no baseline for {RuleNames.Of(rule.Metric)} → inconclusive");

    private static string Pct(double rate) => (rate * 100).ToString("0.00", C) + " %";

    private static string Ms(double ms) => ms.ToString("N0", C) + " ms";

    private static string Num(double value) => value.ToString("0.##", C);

    private static string Signed(double value, string format) => value.ToString("+" + format + ";−" + format + ";" + format, C);
}
