using System.Globalization;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Thresholds;

/// <summary>
/// What readiness knows of a family: its served calls per minute, the ACTIVE bundle's recent traffic summarised as a
/// baseline (rates, means, standard deviations, p95), the shares of calls that carry a quality score and a cost, and
/// the candidate's own baseline for when the active bundle's window would be too thin.
/// </summary>
public sealed record ReadinessFacts(
    double RequestsPerMinute,
    Baseline? Active,
    double QualityShare,
    double CostShare,
    BaselineReference? CandidateBaseline);

/// <summary>
/// One rule's readiness for a canary: how long until its window holds <c>minSamples</c> candidate calls, how long
/// until a change of exactly the rule's minimum effect would breach it, and whether that is within
/// <see cref="RollbackReadiness.TargetSeconds"/>. Null times mean "never at this traffic" or "cannot be told";
/// <see cref="Explanation"/> says which, with the numbers.
/// </summary>
public sealed record RuleReadiness(
    Rule Rule,
    double CandidateCallsPerMinute,
    double? SecondsToMinSamples,
    double? SecondsToDetect,
    bool DetectedInTime,
    string Explanation);

/// <summary>
/// Rollback readiness (DESIGN.md "Thresholds relative to the baseline", issue "alerts"): for a canary at p %, given
/// the family's traffic and the reference values, whether each rule would see a breach of its own minimum effect
/// within 60 s. It asks the rule's own statistic, filled with the expected counts of a candidate that is worse by
/// exactly the minimum effect (rates: max(p₀·(1 + minEffect), p₀ + minAbsoluteEffect); means: max(|m₀|·minEffect,
/// minAbsoluteEffect) with the reference's spread; p95: a tenth of the calls slower than the limit, twice the 5 % a
/// healthy bundle has) against the reference's calls in the same window. It assumes the window holds only the
/// changed calls (a fresh canary, or a change as large as the window's dilution); further breaches that
/// <c>consecutive</c> asks for are counted one evaluation interval apart.
/// </summary>
public static class RollbackReadiness
{
    public const double TargetSeconds = 60;

    /// <summary>The share of calls slower than the p95 limit that readiness takes as the smallest latency breach.</summary>
    public const double LatencyBreachShare = 2 * RuleEvaluator.TailShare;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static IReadOnlyList<RuleReadiness> Assess(IEnumerable<Rule> rules, double canaryPercent, ReadinessFacts facts, double evaluationIntervalSeconds) =>
        rules.Select(r => Assess(r, canaryPercent, facts, evaluationIntervalSeconds)).ToList();

    public static RuleReadiness Assess(Rule rule, double canaryPercent, ReadinessFacts facts, double evaluationIntervalSeconds)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canaryPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(canaryPercent, 100);

        var share = rule.Metric switch
        {
            RuleMetric.QualityMean => facts.QualityShare,
            RuleMetric.CostPerCall => facts.CostShare,
            _ => 1.0,
        };
        var perMinute = Math.Max(0, facts.RequestsPerMinute) * canaryPercent / 100 * share;
        var what = rule.Metric switch
        {
            RuleMetric.QualityMean => "scored calls",
            RuleMetric.CostPerCall => "priced calls",
            _ => "calls",
        };
        var traffic = $"at {Num(canaryPercent)} % of {Count(facts.RequestsPerMinute)} calls/min the canary gets {Count(perMinute)} {what}/min";
        if (perMinute <= 0)
        {
            return new RuleReadiness(rule, 0, null, null, false, $"{traffic}: no data ever reaches this rule → not ready");
        }

        var capacity = perMinute * rule.WindowMinutes;
        var toMinSamples = rule.MinSamples / perMinute * 60;
        var minSamplesText = $"{Count(rule.MinSamples)} samples in {Duration(toMinSamples)}";
        if (capacity < rule.MinSamples)
        {
            return new RuleReadiness(rule, perMinute, null, null, false,
                $"{traffic}: its {rule.WindowMinutes}-min window never holds the {Count(rule.MinSamples)} samples it needs (at most {Count(capacity)}) → always inconclusive, not ready");
        }

        var referencePerMinute = Math.Max(0, facts.RequestsPerMinute) * (1 - canaryPercent / 100) * share;
        if (Statistic(rule, facts, referencePerMinute * rule.WindowMinutes) is not { } test)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; no reference value for {RuleNames.Of(rule.Metric)} (no active traffic in the window, no baseline) → cannot tell");
        }

        if (test.Effect is null)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; the rule sets no minimum effect, so the smallest breach has no size → cannot tell");
        }

        // The statistic grows with the candidate's calls: the first n ≥ minSamples above z, if the window holds it.
        if (!(test.At(capacity) > rule.Z))
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; {test.Effect} stays below z = {Num(rule.Z)} even with the whole {rule.WindowMinutes}-min window ({Count(capacity)} {what}) → not detected at this traffic");
        }

        var needed = FirstAbove(test.At, rule.Z, rule.MinSamples, capacity);
        var seconds = needed / perMinute * 60 + (rule.Consecutive - 1) * evaluationIntervalSeconds;
        var inTime = seconds <= TargetSeconds;
        var consecutive = rule.Consecutive > 1 ? $" and {rule.Consecutive - 1} more evaluation{(rule.Consecutive > 2 ? "s" : "")}" : "";
        return new RuleReadiness(rule, perMinute, toMinSamples, seconds, inTime,
            $"{traffic}: {minSamplesText}; {test.Effect} passes z = {Num(rule.Z)} after {Count(needed)} {what}{consecutive} ({test.Reference}) → detected in {Duration(seconds)}, {(inTime ? "within" : "not within")} {Num(TargetSeconds)} s");
    }

    private sealed record Test(Func<double, double> At, string? Effect, string Reference);

    /// <summary>The rule's statistic as a function of the candidate's calls n, for a candidate worse by exactly the minimum effect.</summary>
    private static Test? Statistic(Rule rule, ReadinessFacts facts, double activeInWindow)
    {
        // The active bundle in the same window when it has minSamples there and the metric, else the candidate's baseline.
        (Baseline Values, double N, string Source)? Reference(Func<Baseline, bool> has) =>
            facts.Active is { } a && activeInWindow >= rule.MinSamples && has(a) ? (a, activeInWindow, $"active, {Count(activeInWindow)} in the window")
            : facts.CandidateBaseline is { Baseline: { Samples: > 1 } b } c && has(b) ? (b, b.Samples!.Value, $"{c.Source} baseline, n = {Count(b.Samples!.Value)}")
            : null;

        // A mean needs its spread too.
        if (Reference(b => BaselineValues.Of(b, rule.Metric) is ({ }, var spread) && (!rule.IsMean || spread is not null)) is not { } reference)
        {
            return null;
        }

        var (value, sd) = BaselineValues.Of(reference.Values, rule.Metric);
        switch (rule.Metric)
        {
            case RuleMetric.ErrorRate or RuleMetric.NegativeFeedbackRate:
            {
                var (p, referenceN, source) = (value!.Value, reference.N, reference.Source);

                var p1 = Math.Min(1, Math.Max(p * (1 + rule.MinEffect), p + rule.MinAbsoluteEffect));
                return new Test(n => TwoProportionZTest.PooledZ(p, referenceN, p1, n), p1 > p ? $"a rate of {Pct(p1)} against {Pct(p)}" : null, source);
            }

            case RuleMetric.QualityMean or RuleMetric.CostPerCall:
            {
                var quality = rule.Metric == RuleMetric.QualityMean;
                var (m, s, referenceN, source) = (value!.Value, sd!.Value, reference.N, reference.Source);

                var delta = Math.Max(Math.Abs(m) * rule.MinEffect, rule.MinAbsoluteEffect);
                var format = quality ? "0.000" : "0.000000";
                var unit = quality ? "" : "$";
                var worse = quality ? m - delta : m + delta;
                return new Test(n => s == 0 ? double.PositiveInfinity : delta / Math.Sqrt(s * s / n + s * s / referenceN),
                    delta > 0 ? $"a mean of {unit}{worse.ToString(format, C)} against {unit}{m.ToString(format, C)} (sd {s.ToString(format, C)})" : null, source);
            }

            default:
            {
                var p95 = value!.Value;

                var limit = p95 * (1 + rule.Tolerance);
                var tail = RuleEvaluator.TailShare;
                return new Test(n => (LatencyBreachShare - tail) / Math.Sqrt(tail * (1 - tail) / n),
                    $"{Pct(LatencyBreachShare)} of calls slower than {Count(limit)} ms (p95 {Count(p95)} ms × {Num(1 + rule.Tolerance)})", reference.Source);
            }
        }
    }

    // Bisection on whole calls: the statistic is increasing in n and above z at the upper end.
    private static double FirstAbove(Func<double, double> statistic, double z, double low, double high)
    {
        low = Math.Ceiling(low);
        high = Math.Ceiling(high);
        if (statistic(low) > z)
        {
            return low;
        }

        while (high - low > 1)
        {
            var middle = Math.Floor((low + high) / 2);
            if (statistic(middle) > z)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }

    private static string Duration(double seconds) =>
        seconds < 90 ? $"{Math.Ceiling(seconds).ToString("0", C)} s"
        : seconds < 5400 ? $"{(seconds / 60).ToString("0.#", C)} min"
        : $"{(seconds / 3600).ToString("0.#", C)} h";

    private static string Count(double value) => value.ToString(value < 10 ? "0.#" : "N0", C);

    private static string Pct(double rate) => (rate * 100).ToString("0.00", C) + " %";

    private static string Num(double value) => value.ToString("0.##", C);
}
