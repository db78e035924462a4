using System.Globalization;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Thresholds;

/// <summary>A sequential rule read as a guardrail: whether its always-valid interval excludes a regression beyond the rule's minimum effect, and the numbers in words.</summary>
public sealed record Guardrail(long RuleId, bool Holds, string Words);

/// <summary>One ramp step's data since the candidate entered its stage: the candidate's calls and the ACTIVE bundle's over the same time.</summary>
public sealed record RampStepWindow(MetricWindow Candidate, MetricWindow Reference);

/// <summary>
/// The sequential (always-valid) form of a rule (DESIGN.md "Sequential decisions"): cumulative since the candidate
/// entered its stage, against the ACTIVE bundle over the same time, stratified by ramp step (each step's difference
/// weighted by its share of the candidate's calls), judged by the one-sided asymptotic confidence sequence at the
/// rule's α in the metric's bad direction. A breach needs the interval to exclude "no change" in the bad direction and
/// the estimate to meet <c>minEffect</c> and <c>minAbsoluteEffect</c>, as the window test asks. Rates and means only:
/// a percentile has no standard error of this form.
/// </summary>
public static class SequentialTest
{
    private static readonly CultureInfo C = RuleWords.C;

    /// <summary>Whether a metric can be judged sequentially.</summary>
    public static bool Supports(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Kind is MetricKind.Rate or MetricKind.Mean;
    }

    /// <summary>N* for a rule: the attached plan's total when there is one, else 20 × the largest <c>minSamples</c> of the family's rules.</summary>
    public static double TuningSamples(long? plannedTotal, long largestMinSamples) =>
        plannedTotal is > 0 ? plannedTotal.Value : 20.0 * Math.Max(1, largestMinSamples);

    /// <summary>The verdict on everything since the stage began, with its derivation in words and numbers (empty without <paramref name="explain"/>).</summary>
    public static Verdict Judge(Rule rule, double tuningSamples, IReadOnlyList<RampStepWindow> steps, bool explain = true)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var alpha = rule.Alpha;
        ArgumentNullException.ThrowIfNull(steps);
        var metric = rule.Metric;
        if (!Supports(metric))
        {
            throw new ArgumentException($"{metric.Name} cannot be judged sequentially.", nameof(rule));
        }

        var (candidateCount, candidateSum, samples, strata, reference) = Fold(metric, steps);
        double? observed = candidateCount > 0 ? candidateSum / candidateCount : null;
        if (candidateCount < rule.MinSamples || candidateCount <= 0)
        {
            return new Verdict(VerdictKind.Inconclusive, rule, observed, null, null, "none", (long)Math.Round(candidateCount), null,
                $"not enough data: {Count(candidateCount)} of {Count(rule.MinSamples)} samples since the stage began → inconclusive");
        }

        if (strata.Count == 0)
        {
            return new Verdict(VerdictKind.Inconclusive, rule, observed, null, null, "none", (long)Math.Round(candidateCount), null,
                "no reference: the active bundle served nothing alongside the candidate since the stage began → inconclusive");
        }

        var (diff, error) = ConfidenceSequence.Stratified(strata);
        var worse = metric.HigherIsWorse ? diff : -diff;
        var interval = ConfidenceSequence.OneSided(worse, error, samples, alpha, tuningSamples, higherIsWorse: true);
        var excluded = interval.Low > 0;
        var relative = reference != 0 ? worse / Math.Abs(reference) : (double?)null;
        var relativeOk = relative is not { } rel || RuleWords.AtLeast(rel, rule.MinEffect);
        var absoluteOk = RuleWords.AtLeast(worse, rule.MinAbsoluteEffect);
        var breach = excluded && relativeOk && absoluteOk;

        var margin = Math.Max(interval.HalfWidth, Math.Max(Math.Abs(reference) * rule.MinEffect, rule.MinAbsoluteEffect));
        var limit = metric.HigherIsWorse ? reference + margin : reference - margin;
        return new Verdict(breach ? VerdictKind.Breach : VerdictKind.Pass, rule, observed, limit, reference, "active", (long)Math.Round(candidateCount),
            interval.PValue, explain ? Explain(rule, alpha, tuningSamples, steps.Count, reference, observed!.Value, candidateCount, samples, worse, interval, relative, relativeOk, absoluteOk, breach) : "");
    }

    /// <summary>
    /// A sequential rule as a guardrail (a guarded promotion, DESIGN.md "Sequential decisions"): it holds when the
    /// candidate has the rule's samples and the one-sided always-valid upper bound of its change in the bad direction
    /// is below the rule's minimum effect (max(|reference| × minEffect, minAbsoluteEffect)).
    /// </summary>
    public static Guardrail Guard(Rule rule, double tuningSamples, IReadOnlyList<RampStepWindow> steps)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(steps);
        var metric = rule.Metric;
        var (candidates, _, samples, strata, reference) = Fold(metric, steps);
        var name = $"{metric.Name} {RuleNames.Of(rule.Action)} (sequential)";
        if (candidates < rule.MinSamples || strata.Count == 0)
        {
            return new Guardrail(rule.Id, false, $"{name}: {Count(candidates)} of {Count(rule.MinSamples)} samples since the stage began");
        }

        var (diff, se) = ConfidenceSequence.Stratified(strata);
        var worse = metric.HigherIsWorse ? diff : -diff;
        var upper = ConfidenceSequence.OneSided(worse, se, samples, rule.Alpha, tuningSamples, higherIsWorse: false).High;
        var margin = Math.Max(Math.Abs(reference) * rule.MinEffect, rule.MinAbsoluteEffect);
        var holds = upper < margin;
        return new Guardrail(rule.Id, holds,
            $"{name}: a regression is at most {Delta(metric, upper)} (always valid, α {Num(rule.Alpha)}) {(holds ? "<" : "≥")} its minimum effect {Delta(metric, margin)}");
    }

    /// <summary>
    /// What <see cref="Judge"/> and <see cref="Guard"/> read of the steps: the candidate's calls and sum, the samples of
    /// both arms in the steps that can be compared, each such step's difference, error and weight (the candidate's
    /// calls), and the reference value weighted alike (0 when no step can be compared).
    /// </summary>
    private static (double Candidates, double CandidateSum, double Samples, List<(double, double, double)> Strata, double Reference) Fold(Metric metric, IReadOnlyList<RampStepWindow> steps)
    {
        var rate = metric.Kind == MetricKind.Rate;
        double candidates = 0, candidateSum = 0, samples = 0, referenceWeighted = 0, weights = 0;
        var strata = new List<(double, double, double)>(steps.Count);
        foreach (var step in steps)
        {
            var (c, r) = (step.Candidate.Moments, step.Reference.Moments);
            candidates += c.Count;
            candidateSum += c.Sum;
            if (!(rate ? c.Count > 0 && r.Count > 0 : c.Count >= 2 && r.Count >= 2))
            {
                continue;
            }

            var (difference, se) = rate
                ? ConfidenceSequence.RateDifference(r.Sum, r.Count, c.Sum, c.Count)
                : ConfidenceSequence.MeanDifference(Summary(r), Summary(c));
            strata.Add((difference, se, c.Count));
            samples += c.Count + r.Count;
            referenceWeighted += c.Count * (r.Sum / r.Count);
            weights += c.Count;
        }

        return (candidates, candidateSum, samples, strata, weights > 0 ? referenceWeighted / weights : 0);
    }

    /// <summary>A change in the metric's units: percentage points for a rate.</summary>
    private static string Delta(Metric metric, double value) =>
        metric.Kind == MetricKind.Rate ? Signed(value * 100, "0.00") + " pp" : metric.FormatDelta(value);

    private static string Explain(Rule rule, double alpha, double tuningSamples, int steps, double reference, double observed, double candidateCount, double samples,
        double worse, AlwaysValidInterval interval, double? relative, bool relativeOk, bool absoluteOk, bool breach)
    {
        var metric = rule.Metric;
        var rate = metric.Kind == MetricKind.Rate;
        var excluded = interval.Low > 0;
        string Value(double v) => rate ? Pct(v) : metric.Format(v);
        string Delta(double v) => SequentialTest.Delta(metric, v);
        var parts = new List<string>
        {
            $"sequential since the stage began ({steps} ramp step{(steps == 1 ? "" : "s")}, weighted by the candidate's calls)",
            $"reference {Value(reference)} (active over the same time)",
            $"candidate {Value(observed)} (n = {Count(candidateCount)})",
            $"{(metric.HigherIsWorse ? "rise" : "drop")} {Delta(worse)}, always-valid lower bound {Delta(interval.Low)} {(excluded ? ">" : "≤")} 0 (α {Num(alpha)}, p = {interval.PValue.ToString("0.####", C)}, tuned at N* = {Count(tuningSamples)}, n = {Count(samples)})",
        };
        if (relative is { } r2)
        {
            parts.Add($"relative change {Signed(r2 * 100, "0")} % {(relativeOk ? "≥" : "<")} {Num(rule.MinEffect * 100)} %");
        }

        parts.Add($"absolute change {Delta(worse)} {(absoluteOk ? "≥" : "<")} {(rate ? Num(rule.MinAbsoluteEffect * 100) + " pp" : metric.FormatBare(rule.MinAbsoluteEffect))}");
        return string.Join(", ", parts) + (breach ? " → breach" : " → pass");
    }

    private static SampleSummary Summary(Moments m)
    {
        var (mean, variance) = RuleWords.MeanAndVariance(m);
        return new SampleSummary((long)Math.Round(m.Count), mean, Math.Sqrt(variance));
    }

    private static string Count(double value) => RuleWords.Count(value);

    private static string Num(double value) => RuleWords.Num(value);

    private static string Pct(double rate) => RuleWords.Pct(rate);

    private static string Signed(double value, string format) => RuleWords.Signed(value, format);
}
