using System.Globalization;
using MathNet.Numerics.Distributions;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Experiments;

/// <summary>What an experiment's result is judged by: its metric, split, α, sides, and the plan per arm.</summary>
public sealed record ExperimentPlan(Metric Metric, double SplitBPercent, double Alpha, int Sides, double Power, double Mde, long PlannedPerArmA, long PlannedPerArmB)
{
    /// <summary>
    /// The interval's level: 1 − α for a two-sided plan; 1 − 2α for a one-sided one, whose bound on the good side is
    /// then the one-sided 1 − α bound, so the interval excludes 0 exactly when the one-sided p is below α.
    /// </summary>
    public double Confidence => Sides == 1 ? 1 - 2 * Alpha : 1 - Alpha;
}

/// <summary>
/// One arm's calls, folded: <see cref="Requests"/> served, <see cref="Measured"/> that carry the metric (every call for
/// a rate, scored or priced calls for a mean), and the metric's sum and sum of squares over them (a rate's events are 0/1).
/// </summary>
public sealed record RequestArm(long Requests, long Measured, double Sum, double SumSquares);

/// <summary>
/// One arm folded per subject: for each subject Y = the metric's sum over its calls and X = its measured calls, then
/// over the subjects n, ΣY, ΣX, ΣY², ΣX², ΣXY. The metric is the ratio ΣY / ΣX.
/// </summary>
public sealed record SubjectArm(long Subjects, long Requests, double SumY, double SumX, double SumYY, double SumXX, double SumXY);

/// <summary>What the data supports now; <see cref="Wait"/> until both arms reach the plan.</summary>
public enum Suggestion
{
    Wait,
    ShipB,
    KeepA,
    Inconclusive,
    Untrustworthy,
}

/// <summary>
/// An experiment's result: the unit (request or subject), observed n and value per arm, the estimate of B − A with
/// its interval and p-value (null until both arms have data), the sample-ratio-mismatch check, and the decision
/// helper's suggestion and words.
/// </summary>
public sealed record ExperimentResult(
    string Unit,
    long ObservedA,
    long ObservedB,
    long UnitsA,
    long UnitsB,
    double? ValueA,
    double? ValueB,
    double? Estimate,
    double? CiLow,
    double? CiHigh,
    double? PValue,
    string Method,
    double SrmStatistic,
    double SrmPValue,
    bool SrmFlagged,
    double Progress,
    Suggestion Suggestion,
    string Advice,
    double Confidence = 0,
    SequentialResult? Sequential = null);

/// <summary>
/// The always-valid analysis beside the fixed one (DESIGN.md "Sequential decisions"): the confidence sequence's
/// interval of B − A and p-value at the experiment's α and sides, tuned at N* = both arms' plan (<see cref="Tuning"/>),
/// and a sample-ratio check valid under repeated looks (<see cref="ConfidenceSequence.SampleRatioPValue"/>). Interval
/// and p are null until both arms have data; a one-sided plan's interval is open on the side it does not test.
/// </summary>
public sealed record SequentialResult(double? CiLow, double? CiHigh, double? PValue, double Tuning, double SrmPValue);

/// <summary>
/// Honest A/B results (DESIGN.md "Statistics and the planner"). Per request: a rate by the two-proportion z-test
/// (R's <c>prop.test(correct = FALSE)</c>), a mean by Welch's t-test (R's <c>t.test</c>). Per subject, when events carry
/// <c>subject</c> (assignment is per subject, so calls of one subject are not independent): the ratio ΣY/ΣX per arm
/// with the delta-method variance (Y − R·X)'s spread over subjects / (n·X̄²), and a z-test of the difference. The
/// sample-ratio-mismatch check is Pearson's chi-square of the arms' units (requests or subjects) against the split
/// (R's <c>chisq.test(c(a, b), p = c(1 − s, s))</c>), flagged below p = 0.001. Intervals are two-sided at
/// <see cref="ExperimentPlan.Confidence"/>; a one-sided plan reports the one-sided p-value of "B is better".
/// </summary>
public static class ExperimentAnalysis
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The share of the plan before which no decision is suggested, even an always-valid one.</summary>
    public const double EarlyFloor = 0.1;

    public static ExperimentResult PerRequest(ExperimentPlan plan, RequestArm a, RequestArm b)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var confidence = plan.Confidence;
        double? estimate = null, low = null, high = null, p = null, se = null;
        string method;
        if (plan.Metric.Kind == MetricKind.Rate)
        {
            method = "two-proportion z-test per request";
            if (a.Measured > 0 && b.Measured > 0)
            {
                var z = TwoProportionZTest.Compare((long)Math.Round(a.Sum), a.Measured, (long)Math.Round(b.Sum), b.Measured, confidence);
                (estimate, low, high, p) = (z.Difference, z.CiLow, z.CiHigh, z.PValue);
                se = ConfidenceSequence.RateDifference(Math.Round(a.Sum), a.Measured, Math.Round(b.Sum), b.Measured).StandardError;
            }
        }
        else
        {
            method = "Welch's t-test per request";
            if (Comparison.Summary(a.Measured, a.Sum, a.SumSquares) is { } sa && Comparison.Summary(b.Measured, b.Sum, b.SumSquares) is { } sb)
            {
                var t = WelchTTest.Compare(sa, sb, confidence);
                (estimate, low, high, p) = (t.Difference, t.CiLow, t.CiHigh, t.PValue);
                se = ConfidenceSequence.MeanDifference(sa, sb).StandardError;
            }
        }

        return Finish(plan, "request", a.Measured, b.Measured, a.Requests, b.Requests,
            a.Measured > 0 ? a.Sum / a.Measured : null, b.Measured > 0 ? b.Sum / b.Measured : null, estimate, low, high, p, method, se);
    }

    public static ExperimentResult PerSubject(ExperimentPlan plan, SubjectArm a, SubjectArm b)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        double? estimate = null, low = null, high = null, p = null, error = null;
        var ra = Ratio(a);
        var rb = Ratio(b);
        if (ra is { } va && rb is { } vb)
        {
            var difference = vb.Ratio - va.Ratio;
            var se = Math.Sqrt(va.Variance + vb.Variance);
            var half = Quantiles.Z(1 - (1 - plan.Confidence) / 2) * se;
            (estimate, low, high) = (difference, difference - half, difference + half);
            p = se == 0 ? (difference == 0 ? 1 : 0) : 2 * Normal.CDF(0, 1, -Math.Abs(difference / se));
            error = se;
        }

        return Finish(plan, "subject", a.Subjects, b.Subjects, a.Subjects, b.Subjects,
            a.SumX > 0 ? a.SumY / a.SumX : null, b.SumX > 0 ? b.SumY / b.SumX : null, estimate, low, high, p, "delta method per subject (z-test of the ratio)", error);
    }

    /// <summary>
    /// The ratio R = ΣY/ΣX and its delta-method variance (s²_Y − 2R·s_XY + R²·s²_X) / (n·X̄²) with the n − 1 sample
    /// (co)variances over subjects; null with fewer than 2 subjects or no measured call.
    /// </summary>
    public static (double Ratio, double Variance)? Ratio(SubjectArm arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        if (arm.Subjects < 2 || arm.SumX <= 0)
        {
            return null;
        }

        double n = arm.Subjects;
        var ratio = arm.SumY / arm.SumX;
        var meanX = arm.SumX / n;
        var varY = (arm.SumYY - arm.SumY * arm.SumY / n) / (n - 1);
        var varX = (arm.SumXX - arm.SumX * arm.SumX / n) / (n - 1);
        var covXY = (arm.SumXY - arm.SumX * arm.SumY / n) / (n - 1);
        var variance = Math.Max(0, varY - 2 * ratio * covXY + ratio * ratio * varX) / (n * meanX * meanX);
        return (ratio, variance);
    }

    private static ExperimentResult Finish(ExperimentPlan plan, string unit, long observedA, long observedB, long unitsA, long unitsB,
        double? valueA, double? valueB, double? estimate, double? low, double? high, double? twoSided, string method, double? standardError)
    {
        var srm = ChiSquareGoodnessOfFit.SampleRatioMismatch(unitsA, unitsB, plan.SplitBPercent);
        var srmFlagged = unitsA + unitsB > 0 && srm.PValue < ExperimentRules.SrmThreshold;
        var better = plan.Metric.HigherIsBetter ? 1 : -1;
        double? p = twoSided is not { } two ? null
            : plan.Sides == 1 ? (Math.Sign(estimate!.Value) == better ? two / 2 : 1 - two / 2)
            : two;
        var progress = Math.Min(
            plan.PlannedPerArmA > 0 ? (double)observedA / plan.PlannedPerArmA : 1,
            plan.PlannedPerArmB > 0 ? (double)observedB / plan.PlannedPerArmB : 1);
        var sequential = Sequential(plan, observedA + observedB, unitsA, unitsB, estimate, standardError);
        var (suggestion, advice) = Advise(plan, unit, observedA, observedB, unitsA, unitsB, valueA, valueB, estimate, low, high, p, srm, srmFlagged, progress, better, sequential);
        return new ExperimentResult(unit, observedA, observedB, unitsA, unitsB, valueA, valueB, estimate, low, high, p, method,
            srm.Statistic, srm.PValue, srmFlagged, progress, suggestion, advice, plan.Confidence, sequential);
    }

    /// <summary>The always-valid analysis at the plan's α and sides, tuned at both arms' plan.</summary>
    private static SequentialResult Sequential(ExperimentPlan plan, long samples, long unitsA, long unitsB, double? estimate, double? standardError)
    {
        var tuning = Math.Max(1, plan.PlannedPerArmA + plan.PlannedPerArmB);
        var srm = unitsA + unitsB > 0 ? ConfidenceSequence.SampleRatioPValue(unitsA, unitsB, plan.SplitBPercent / 100) : 1;
        if (estimate is not { } difference || standardError is not { } se || samples <= 0)
        {
            return new SequentialResult(null, null, null, tuning, srm);
        }

        // One-sided plans test "B is better": the sequence bounds B − A on the side away from better.
        var interval = plan.Sides == 1
            ? ConfidenceSequence.OneSided(difference, se, samples, plan.Alpha, tuning, higherIsWorse: plan.Metric.HigherIsBetter)
            : ConfidenceSequence.TwoSided(difference, se, samples, plan.Alpha, tuning);
        return new SequentialResult(Finite(interval.Low), Finite(interval.High), interval.PValue, tuning, srm);
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static (Suggestion, string) Advise(ExperimentPlan plan, string unit, long observedA, long observedB, long unitsA, long unitsB,
        double? valueA, double? valueB, double? estimate, double? low, double? high, double? p, ChiSquareResult srm, bool srmFlagged, double progress, int better,
        SequentialResult sequential)
    {
        var units = unit + "s";
        if (srmFlagged)
        {
            var shareB = (double)unitsB / (unitsA + unitsB) * 100;
            return (Suggestion.Untrustworthy,
                $"Sample ratio mismatch: arm B has {shareB.ToString("0.00", C)} % of the {units}, planned {plan.SplitBPercent.ToString("0.##", C)} % "
                + $"(χ² = {srm.Statistic.ToString("0.00", C)}, p = {P(srm.PValue)} < 0.001). Assignment or telemetry is broken, so this result cannot be trusted: "
                + "find the cause (assignment, lost events, bots) before deciding anything from it.");
        }

        if (estimate is not { } difference)
        {
            return (Suggestion.Wait, $"No result yet: each arm needs data ({observedA:N0} and {observedB:N0} {units} with the metric so far).");
        }

        var metric = plan.Metric;
        var so = $"{metric.Name} B {metric.Format(valueB)} vs A {metric.Format(valueA)}, B − A = {metric.FormatDelta(difference)} "
                 + $"({(plan.Confidence * 100).ToString("0.##", C)} % CI {metric.FormatDelta(low)} to {metric.FormatDelta(high)}), p = {P(p!.Value)}";
        if (progress < 1 && progress >= EarlyFloor && sequential.PValue is { } early && early < plan.Alpha)
        {
            // The always-valid interval may be read at any look: past a tenth of the plan it may decide early.
            var words = $"{so}; always valid: {metric.FormatDelta(sequential.CiLow)} to {metric.FormatDelta(sequential.CiHigh)}, p = {P(early)} < α = {plan.Alpha.ToString("0.###", C)} "
                        + $"at {(progress * 100).ToString("0", C)} % of the plan — the always-valid analysis, which stays valid however often it is read, allows deciding now; the fixed one would wait for the plan";
            return Math.Sign(difference) == better
                ? (Suggestion.ShipB, $"B is better: {words}. The data supports shipping B.")
                : (Suggestion.KeepA, $"B is worse: {words}. The data supports keeping A.");
        }

        if (progress < 1)
        {
            return (Suggestion.Wait,
                $"Not enough data yet: {(progress * 100).ToString("0", C)} % of the plan ({observedA:N0} of {plan.PlannedPerArmA:N0} in A, {observedB:N0} of {plan.PlannedPerArmB:N0} in B). "
                + $"Deciding before the plan inflates false positives; wait. So far: {so}.");
        }

        if (p < plan.Alpha)
        {
            return Math.Sign(difference) == better
                ? (Suggestion.ShipB, $"B is better: {so} < α = {plan.Alpha.ToString("0.###", C)}. The data supports shipping B.")
                : (Suggestion.KeepA, $"B is worse: {so} < α = {plan.Alpha.ToString("0.###", C)}. The data supports keeping A.");
        }

        return (Suggestion.Inconclusive,
            $"No significant difference: {so} ≥ α = {plan.Alpha.ToString("0.###", C)}. The plan had {(plan.Power * 100).ToString("0", C)} % power for the effect it was sized for, "
            + "so an effect that large would likely have shown; the data does not favour B. Conclude as inconclusive (keeping A is the simpler choice).");
    }

    private static string P(double p) => p < 0.0001 ? p.ToString("0.0E+0", C) : p.ToString("0.0000", C);
}
