using System.Globalization;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;

namespace ModelConsole.Core.Thresholds;

/// <summary>
/// What readiness knows of a family: its served calls per minute, the ACTIVE bundle's recent traffic summarised as a
/// baseline (rates, means, standard deviations, p95), the shares of calls that carry a quality score and a cost, and
/// the candidate's own baseline for when the active bundle's window would be too thin.
/// </summary>
public sealed record ReadinessFacts(
    double RequestsPerMinute,
    Baseline? Active,
    IReadOnlyDictionary<string, double> MeasuredShares,
    BaselineReference? CandidateBaseline)
{
    /// <summary>The share of served calls that carry <paramref name="metric"/> (1 for rates and percentiles, and when unknown).</summary>
    public double Share(Metric metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Kind == MetricKind.Mean ? MeasuredShares.GetValueOrDefault(metric.Name, 1) : 1;
    }
}

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
    public const double LatencyBreachShare = TailWindowTest.BreachShare;

    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Every rule's readiness at <paramref name="canaryPercent"/>.</summary>
    public static IReadOnlyList<RuleReadiness> Assess(IEnumerable<Rule> rules, double canaryPercent, ReadinessFacts facts, double evaluationIntervalSeconds)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var all = rules.ToList();
        // N* of sequential rules as the evaluator tunes them without a plan: 20 × the family's largest minSamples.
        var tuning = SequentialTest.TuningSamples(null, all.Count == 0 ? 1 : all.Max(r => r.MinSamples));
        return all.Select(r => Assess(r, canaryPercent, facts, evaluationIntervalSeconds, tuning)).ToList();
    }

    /// <summary>One rule's readiness at <paramref name="canaryPercent"/> (a sequential rule's tuned at <paramref name="tuningSamples"/>, else 20 × its minSamples).</summary>
    public static RuleReadiness Assess(Rule rule, double canaryPercent, ReadinessFacts facts, double evaluationIntervalSeconds, double? tuningSamples = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(canaryPercent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(canaryPercent, 100);

        var metric = rule.Metric;
        var share = facts.Share(metric);
        var perMinute = Math.Max(0, facts.RequestsPerMinute) * canaryPercent / 100 * share;
        var what = metric.MeasuredCalls;
        var traffic = $"at {Num(canaryPercent)} % of {Count(facts.RequestsPerMinute)} calls/min the canary gets {Count(perMinute)} {what}/min";
        if (perMinute <= 0)
        {
            return new RuleReadiness(rule, 0, null, null, false, $"{traffic}: no data ever reaches this rule → not ready");
        }

        if (rule.IsSequential)
        {
            return AssessSequential(rule, canaryPercent, facts, evaluationIntervalSeconds, tuningSamples ?? SequentialTest.TuningSamples(null, rule.MinSamples), perMinute, traffic);
        }

        var capacity = perMinute * rule.WindowMinutes;
        var toMinSamples = rule.MinSamples / perMinute * 60;
        var minSamplesText = $"{Count(rule.MinSamples)} samples in {Duration(toMinSamples)}";
        if (capacity < rule.MinSamples)
        {
            return new RuleReadiness(rule, perMinute, null, null, false,
                $"{traffic}: its {rule.WindowMinutes}-min window never holds the {Count(rule.MinSamples)} samples it needs (at most {Count(capacity)}) → always inconclusive, not ready");
        }

        // The rule's own test picks the reference (the active bundle in the same window, else the candidate's baseline),
        // says what a candidate worse by the minimum effect looks like, and judges it: readiness is the evaluator's answer.
        var test = rule.Test;
        var activeInWindow = Math.Max(0, facts.RequestsPerMinute) * (1 - canaryPercent / 100) * share * rule.WindowMinutes;
        var active = facts.Active is null ? null : metric.Expected(facts.Active, activeInWindow);
        if (test.ReferenceFor(rule, active, facts.CandidateBaseline) is not { } reference)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; no reference value for {metric.Name} (no active traffic in the window, no baseline) → cannot tell");
        }

        if (test.WorseBy(rule, reference, capacity) is not { } worst)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; the rule sets no minimum effect, so the smallest breach has no size → cannot tell");
        }

        bool Breaches(double n) => test.Judge(rule, test.WorseBy(rule, reference, n)!.Window, active, facts.CandidateBaseline, explain: false).Kind == VerdictKind.Breach;

        // The statistic grows with the candidate's calls: the first n ≥ minSamples that breaches, if the window holds it.
        if (!Breaches(capacity))
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; {worst.Effect} stays below z = {Num(rule.Z)} even with the whole {rule.WindowMinutes}-min window ({Count(capacity)} {what}) → not detected at this traffic");
        }

        var needed = FirstBreach(Breaches, rule.MinSamples, capacity);
        var seconds = needed / perMinute * 60 + (rule.Consecutive - 1) * evaluationIntervalSeconds;
        var inTime = seconds <= TargetSeconds;
        var consecutive = rule.Consecutive > 1 ? $" and {rule.Consecutive - 1} more evaluation{(rule.Consecutive > 2 ? "s" : "")}" : "";
        return new RuleReadiness(rule, perMinute, toMinSamples, seconds, inTime,
            $"{traffic}: {minSamplesText}; {worst.Effect} passes z = {Num(rule.Z)} after {Count(needed)} {what}{consecutive} ({reference.Described}) → detected in {Duration(seconds)}, {(inTime ? "within" : "not within")} {Num(TargetSeconds)} s");
    }

    /// <summary>
    /// A sequential rule reads everything since the stage began: the candidate's calls grow without a window, against the
    /// ACTIVE bundle's over the same time; the search runs to a day of the canary's calls. The same objects as the
    /// window rules': the expected active window, the rule's reference and its worse candidate, judged by
    /// <see cref="SequentialTest"/> as the evaluator judges it (one ramp step).
    /// </summary>
    private static RuleReadiness AssessSequential(Rule rule, double canaryPercent, ReadinessFacts facts, double evaluationIntervalSeconds, double tuning, double perMinute, string traffic)
    {
        var metric = rule.Metric;
        var what = metric.MeasuredCalls;
        var horizon = perMinute * 24 * 60;
        var toMinSamples = rule.MinSamples / perMinute * 60;
        var minSamplesText = $"{Count(rule.MinSamples)} samples in {Duration(toMinSamples)}";
        var test = rule.Test;
        MetricWindow? ActiveFor(double n) => facts.Active is null || canaryPercent >= 100 ? null : metric.Expected(facts.Active, n * (100 - canaryPercent) / canaryPercent);
        if (ActiveFor(horizon) is not { } activeAtHorizon || test.ReferenceFor(rule, activeAtHorizon, null) is not { } reference)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; a sequential rule compares with the active bundle, whose {metric.Name} is not known → cannot tell");
        }

        if (test.WorseBy(rule, reference, horizon) is not { } worst)
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; the rule sets no minimum effect, so the smallest breach has no size → cannot tell");
        }

        bool Breaches(double n)
        {
            var active = ActiveFor(n)!;
            return test.ReferenceFor(rule, active, null) is { } at && test.WorseBy(rule, at, n) is { } worse
                && SequentialTest.Judge(rule, tuning, [new RampStepWindow(worse.Window, active)], explain: false).Kind == VerdictKind.Breach;
        }

        if (!Breaches(horizon))
        {
            return new RuleReadiness(rule, perMinute, toMinSamples, null, false,
                $"{traffic}: {minSamplesText}; {worst.Effect} is not yet excluded by the always-valid interval (α {Num(rule.Alpha)}) after a day ({Count(horizon)} {what}) → not detected at this traffic");
        }

        var needed = FirstBreach(Breaches, rule.MinSamples, horizon);
        var seconds = needed / perMinute * 60 + (rule.Consecutive - 1) * evaluationIntervalSeconds;
        var inTime = seconds <= TargetSeconds;
        return new RuleReadiness(rule, perMinute, toMinSamples, seconds, inTime,
            $"{traffic}: {minSamplesText}; {worst.Effect} is excluded by the always-valid interval (α {Num(rule.Alpha)}, N* = {Count(tuning)}) after {Count(needed)} {what} since the stage began (against the active bundle over the same time) → detected in {Duration(seconds)}, {(inTime ? "within" : "not within")} {Num(TargetSeconds)} s");
    }

    // Bisection on whole calls: breaching is monotone in n and true at the upper end.
    private static double FirstBreach(Func<double, bool> breaches, double low, double high)
    {
        low = Math.Ceiling(low);
        high = Math.Ceiling(high);
        if (breaches(low))
        {
            return low;
        }

        while (high - low > 1)
        {
            var middle = Math.Floor((low + high) / 2);
            if (breaches(middle))
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

    private static string Num(double value) => value.ToString("0.##", C);
}
