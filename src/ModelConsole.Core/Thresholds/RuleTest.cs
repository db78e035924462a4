using System.Globalization;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Thresholds;

/// <summary>
/// What a rule is judged against in one window: the reference's moments (a rate's events and trials, a mean's count,
/// sum and squares, or a p95 in <see cref="Value"/>), how many samples it weighs, and where it came from.
/// </summary>
public sealed record RuleReference(Moments Moments, double Value, double Samples, string Source, string Described);

/// <summary>A candidate window that is worse than a reference by a given effect, and that effect in words.</summary>
public sealed record WorseCandidate(MetricWindow Window, string Effect);

/// <summary>
/// The statistic a rule judges by. The evaluator asks <see cref="Judge"/> about each window; rollback readiness asks
/// <see cref="WorseBy"/> what a candidate worse by the rule's minimum effect would look like after n calls and then
/// asks <see cref="Judge"/> about it, so the two can never disagree on when a breach is seen.
/// </summary>
public interface IRuleTest
{
    /// <summary>
    /// The reference the rule uses: the ACTIVE bundle's window when it holds <c>minSamples</c> of the metric, else the
    /// baseline (whose sample count enters the variance); null when there is neither.
    /// </summary>
    RuleReference? ReferenceFor(Rule rule, MetricWindow? active, BaselineReference? baseline);

    /// <summary>The verdict on one window, with its derivation in words and numbers (left empty without <paramref name="explain"/>, for simulations and searches that only need the kind).</summary>
    Verdict Judge(Rule rule, MetricWindow candidate, MetricWindow? active, BaselineReference? baseline, bool explain = true);

    /// <summary>The window of a candidate worse than <paramref name="reference"/> by exactly the rule's minimum effect after <paramref name="n"/> measured calls; null when the rule sets no effect.</summary>
    WorseCandidate? WorseBy(Rule rule, RuleReference reference, double n);
}

/// <summary>Picks a rule's statistic from its metric's kind (and, once there are several, its test).</summary>
public static class RuleTests
{
    private static readonly Dictionary<MetricKind, IRuleTest> Window = new()
    {
        [MetricKind.Rate] = new RateWindowTest(),
        [MetricKind.Mean] = new MeanWindowTest(),
        [MetricKind.Percentile] = new TailWindowTest(),
    };

    /// <summary>The statistic of <paramref name="rule"/>.</summary>
    public static IRuleTest For(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return Window[rule.Metric.Kind];
    }
}

/// <summary>What the window tests share: the sample floor, "no reference" and the verdict's wording.</summary>
internal abstract class WindowTest : IRuleTest
{
    protected static readonly CultureInfo C = RuleWords.C;

    public abstract RuleReference? ReferenceFor(Rule rule, MetricWindow? active, BaselineReference? baseline);

    public abstract Verdict Judge(Rule rule, MetricWindow candidate, MetricWindow? active, BaselineReference? baseline, bool explain = true);

    public abstract WorseCandidate? WorseBy(Rule rule, RuleReference reference, double n);

    protected static bool AtLeast(double value, double threshold) => RuleWords.AtLeast(value, threshold);

    protected static Verdict Done(Rule rule, bool breach, double? observed, double limit, RuleReference reference, double samples, double statistic, List<string>? parts) =>
        new(breach ? VerdictKind.Breach : VerdictKind.Pass, rule, observed, limit, reference.Value, reference.Source, (long)Math.Round(samples), statistic,
            parts is null ? "" : string.Join(", ", parts) + (breach ? " → breach" : " → pass"));

    protected static Verdict NotEnough(Rule rule, double samples, double? observed) =>
        new(VerdictKind.Inconclusive, rule, observed, null, null, "none", (long)Math.Round(samples), null,
            $"not enough data: {Count(samples)} of {Count(rule.MinSamples)} samples in the last {rule.WindowMinutes} min → inconclusive");

    protected static Verdict NoReference(Rule rule, double samples, double? observed, double? activeSamples) =>
        new(VerdictKind.Inconclusive, rule, observed, null, null, "none", (long)Math.Round(samples), null,
            $"no reference: the active bundle has {Count(activeSamples ?? 0)} of {Count(rule.MinSamples)} samples in the window and there is no baseline for {rule.Metric.Name} → inconclusive");

    protected static string Count(double value) => RuleWords.Count(value);

    protected static string Num(double value) => RuleWords.Num(value);

    protected static string Pct(double rate) => RuleWords.Pct(rate);

    protected static string Signed(double value, string format) => RuleWords.Signed(value, format);
}

/// <summary>What the window and sequential tests share: the effect tolerance, a mean and variance from moments, and the verdicts' numbers in words.</summary>
internal static class RuleWords
{
    /// <summary>Effect conditions are met within this relative tolerance, so a candidate at exactly the minimum effect meets them.</summary>
    public const double Tolerance = 1e-9;

    public static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static bool AtLeast(double value, double threshold) => value >= threshold - Tolerance * Math.Max(1, Math.Abs(threshold));

    /// <summary>The sample variance (n − 1) straight from the moments, so fractional (expected) counts work too.</summary>
    public static (double Mean, double Variance) MeanAndVariance(Moments m)
    {
        var mean = m.Sum / m.Count;
        return (mean, m.Count > 1 ? Math.Max(0, (m.SumSquares - m.Count * mean * mean) / (m.Count - 1)) : 0);
    }

    public static string Count(double value) => value.ToString("N0", C);

    public static string Num(double value) => value.ToString("0.##", C);

    public static string Pct(double rate) => (rate * 100).ToString("0.00", C) + " %";

    public static string Signed(double value, string format) => value.ToString("+" + format + ";−" + format + ";" + format, C);
}

/// <summary>Rates (error rate, negative feedback): the one-sided pooled two-proportion z, with the relative and absolute changes.</summary>
internal sealed class RateWindowTest : WindowTest
{
    public override RuleReference? ReferenceFor(Rule rule, MetricWindow? active, BaselineReference? baseline)
    {
        if (active is { Moments: var a } && a.Count >= rule.MinSamples && a.Count > 0)
        {
            return new RuleReference(a, a.Sum / a.Count, a.Count, "active", $"active, {Count(a.Count)} in the window");
        }

        if (baseline is { Baseline: { Samples: > 0 } b } && rule.Metric.BaselineValue(b) is { } rate)
        {
            var samples = b.Samples!.Value;
            return new RuleReference(new Moments(samples, rate * samples, rate * samples), rate, samples, baseline.Source + " baseline",
                $"{baseline.Source} baseline, n = {Count(samples)}");
        }

        return null;
    }

    public override Verdict Judge(Rule rule, MetricWindow candidate, MetricWindow? active, BaselineReference? baseline, bool explain = true)
    {
        var (trials, events) = (candidate.Moments.Count, candidate.Moments.Sum);
        if (trials < rule.MinSamples || trials <= 0)
        {
            return NotEnough(rule, trials, trials > 0 ? events / trials : null);
        }

        if (ReferenceFor(rule, active, baseline) is not { } reference)
        {
            return NoReference(rule, trials, events / trials, active?.Moments.Count);
        }

        var (refTrials, refEvents) = (reference.Moments.Count, reference.Moments.Sum);
        var p = events / trials;
        var p0 = reference.Value;
        var z = TwoProportionZTest.PooledZ(p0, refTrials, p, trials);
        var absolute = p - p0;
        var relative = p0 > 0 ? absolute / p0 : (double?)null;
        var zOk = z > rule.Z;
        var relativeOk = relative is not { } r || AtLeast(r, rule.MinEffect); // a zero reference has only the absolute condition
        var absoluteOk = AtLeast(absolute, rule.MinAbsoluteEffect);
        var parts = !explain ? null : new List<string>
        {
            $"reference {Pct(p0)} ({reference.Source}, {Count(refEvents)} of {Count(refTrials)})",
            $"candidate {Pct(p)} ({Count(events)} of {Count(trials)})",
            $"pooled z = {z.ToString("0.00", C)} {(zOk ? ">" : "≤")} {Num(rule.Z)}",
        };
        if (parts is not null && relative is { } rel)
        {
            parts.Add($"relative change {Signed(rel * 100, "0")} % {(relativeOk ? "≥" : "<")} {Num(rule.MinEffect * 100)} %");
        }

        parts?.Add($"absolute change {Signed(absolute * 100, "0.00")} pp {(absoluteOk ? "≥" : "<")} {Num(rule.MinAbsoluteEffect * 100)} pp");
        // The candidate rate that would meet every condition, as the alert's limit (the z part by the unpooled error).
        var zLimit = p0 + rule.Z * Math.Sqrt(Math.Max(p0 * (1 - p0), 1e-12) * (1.0 / refTrials + 1.0 / trials));
        var limit = Math.Max(zLimit, Math.Max(p0 * (1 + rule.MinEffect), p0 + rule.MinAbsoluteEffect));
        return Done(rule, zOk && relativeOk && absoluteOk, p, limit, reference, trials, z, parts);
    }

    public override WorseCandidate? WorseBy(Rule rule, RuleReference reference, double n)
    {
        var p0 = reference.Value;
        var p1 = Math.Min(1, Math.Max(p0 * (1 + rule.MinEffect), p0 + rule.MinAbsoluteEffect));
        return p1 > p0 ? new WorseCandidate(new MetricWindow(n, new Moments(n, p1 * n, p1 * n)), $"a rate of {Pct(p1)} against {Pct(p0)}") : null;
    }
}

/// <summary>Means (quality, cost, tokens): Welch's statistic in the metric's bad direction, with the relative and absolute changes.</summary>
internal sealed class MeanWindowTest : WindowTest
{
    public override RuleReference? ReferenceFor(Rule rule, MetricWindow? active, BaselineReference? baseline)
    {
        if (active is { Moments: var a } && a.Count >= rule.MinSamples && a.Count >= 2)
        {
            return new RuleReference(a, a.Sum / a.Count, a.Count, "active", $"active, {Count(a.Count)} in the window");
        }

        if (baseline is { Baseline: { Samples: > 1 } b } && rule.Metric.FromBaseline(b) is ({ } mean, { } sd))
        {
            var samples = b.Samples!.Value;
            return new RuleReference(Moments.Of(samples, mean, sd), mean, samples, baseline.Source + " baseline", $"{baseline.Source} baseline, n = {Count(samples)}");
        }

        return null;
    }

    public override Verdict Judge(Rule rule, MetricWindow candidate, MetricWindow? active, BaselineReference? baseline, bool explain = true)
    {
        var metric = rule.Metric;
        var count = candidate.Moments.Count;
        if (count < rule.MinSamples || count < 2)
        {
            return NotEnough(rule, count, candidate.Moments.Mean);
        }

        if (ReferenceFor(rule, active, baseline) is not { } reference)
        {
            return NoReference(rule, count, candidate.Moments.Mean, active?.Moments.Count);
        }

        var (mean, variance) = MeanAndVariance(candidate.Moments);
        var (refMean, refVariance) = MeanAndVariance(reference.Moments);
        var worse = metric.HigherIsWorse ? mean - refMean : refMean - mean;
        var se = Math.Sqrt(variance / count + refVariance / reference.Moments.Count);
        var t = se > 0 ? worse / se : worse > 0 ? double.PositiveInfinity : 0;
        var relative = refMean != 0 ? worse / Math.Abs(refMean) : (double?)null;
        var tOk = t > rule.Z;
        var relativeOk = relative is not { } r || AtLeast(r, rule.MinEffect);
        var absoluteOk = AtLeast(worse, rule.MinAbsoluteEffect);
        var parts = !explain ? null : new List<string>
        {
            $"reference {metric.Format(refMean)} ± {metric.FormatBare(Math.Sqrt(refVariance))} ({reference.Source}, n = {Count(reference.Moments.Count)})",
            $"candidate {metric.Format(mean)} ± {metric.FormatBare(Math.Sqrt(variance))} (n = {Count(count)})",
            $"Welch t = {(double.IsInfinity(t) ? "∞" : t.ToString("0.00", C))} {(tOk ? ">" : "≤")} {Num(rule.Z)}",
        };
        if (parts is not null && relative is { } rel)
        {
            parts.Add($"{(metric.HigherIsWorse ? "relative rise" : "relative drop")} {Signed(rel * 100, "0.0")} % {(relativeOk ? "≥" : "<")} {Num(rule.MinEffect * 100)} %");
        }

        if (rule.MinAbsoluteEffect > 0)
        {
            parts?.Add($"absolute {metric.FormatDelta(worse)} {(absoluteOk ? "≥" : "<")} {metric.FormatBare(rule.MinAbsoluteEffect)}");
        }

        var margin = Math.Max(rule.Z * se, Math.Max(Math.Abs(refMean) * rule.MinEffect, rule.MinAbsoluteEffect));
        var limit = metric.HigherIsWorse ? refMean + margin : refMean - margin;
        return Done(rule, tOk && relativeOk && absoluteOk, mean, limit, reference, count, t, parts);
    }

    public override WorseCandidate? WorseBy(Rule rule, RuleReference reference, double n)
    {
        var metric = rule.Metric;
        var (mean, variance) = MeanAndVariance(reference.Moments);
        var delta = Math.Max(Math.Abs(mean) * rule.MinEffect, rule.MinAbsoluteEffect);
        if (!(delta > 0))
        {
            return null;
        }

        var worse = metric.HigherIsWorse ? mean + delta : mean - delta;
        var sd = Math.Sqrt(variance);
        return new WorseCandidate(new MetricWindow(n, Moments.Of(n, worse, sd)),
            $"a mean of {metric.Format(worse)} against {metric.Format(mean)} (sd {metric.FormatBare(sd)})");
    }

    private static (double Mean, double Variance) MeanAndVariance(Moments m) => RuleWords.MeanAndVariance(m);
}

/// <summary>Latency p95: the share of candidate calls slower than the reference p95 × (1 + tolerance), tested as a rate against 5 %.</summary>
internal sealed class TailWindowTest : WindowTest
{
    /// <summary>The share of calls slower than a healthy p95 limit: 5 %.</summary>
    public const double TailShare = 0.05;

    /// <summary>The share of calls slower than the limit that readiness takes as the smallest breach: twice the healthy 5 %.</summary>
    public const double BreachShare = 2 * TailShare;

    public override RuleReference? ReferenceFor(Rule rule, MetricWindow? active, BaselineReference? baseline)
    {
        var q = rule.Metric.Quantile;
        if (active is { } a && a.Calls >= rule.MinSamples && a.Latency?.Percentile(q) is { } p95)
        {
            return new RuleReference(a.Moments, p95, a.Calls, "active", $"active, {Count(a.Calls)} in the window");
        }

        if (baseline is { Baseline: var b } && rule.Metric.BaselineValue(b) is { } registered)
        {
            var samples = b.Samples ?? 0;
            return new RuleReference(new Moments(samples, 0, 0), registered, samples, baseline.Source + " baseline",
                samples > 0 ? $"{baseline.Source} baseline, n = {Count(samples)}" : baseline.Source + " baseline");
        }

        return null;
    }

    public override Verdict Judge(Rule rule, MetricWindow candidate, MetricWindow? active, BaselineReference? baseline, bool explain = true)
    {
        var observed = candidate.Latency?.Percentile(rule.Metric.Quantile);
        var calls = candidate.Calls;
        if (calls < rule.MinSamples || calls <= 0)
        {
            return NotEnough(rule, calls, observed);
        }

        if (ReferenceFor(rule, active, baseline) is not { } reference)
        {
            return NoReference(rule, calls, observed, active?.Calls);
        }

        var limit = reference.Value * (1 + rule.Tolerance);
        var share = (candidate.Latency?.CountAbove(limit) ?? 0) / calls;
        var z = (share - TailShare) / Math.Sqrt(TailShare * (1 - TailShare) / calls);
        var breach = z > rule.Z;
        var parts = !explain ? null : new List<string>
        {
            $"reference p95 {Ms(reference.Value)} ({reference.Source}{(reference.Samples > 0 ? $", n = {Count(reference.Samples)}" : "")}), limit {Ms(reference.Value)} × {Num(1 + rule.Tolerance)} = {Ms(limit)}",
            $"candidate p95 {(observed is { } o ? Ms(o) : "–")}, {Pct(share)} of {Count(calls)} calls slower than the limit",
            $"z against 5 % = {z.ToString("0.00", C)} {(breach ? ">" : "≤")} {Num(rule.Z)}",
        };
        return Done(rule, breach, observed, limit, reference, calls, z, parts);
    }

    public override WorseCandidate? WorseBy(Rule rule, RuleReference reference, double n)
    {
        var limit = reference.Value * (1 + rule.Tolerance);
        return new WorseCandidate(new MetricWindow(n, new Moments(n, 0, 0), new ExpectedShape(n, null, BreachShare)),
            $"{Pct(BreachShare)} of calls slower than {Count(limit)} ms (p95 {Count(reference.Value)} ms × {Num(1 + rule.Tolerance)})");
    }

    private static string Ms(double ms) => ms.ToString("N0", C) + " ms";
}
