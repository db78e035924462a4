using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>What kind of metric a plan compares: a rate (errors, negative feedback) or a mean (quality, cost, latency).</summary>
public enum PlannedMetric
{
    Proportion,
    Mean,
}

/// <summary>How the minimum detectable effect is given: in the metric's own units, or as a fraction of the baseline.</summary>
public enum MdeType
{
    Absolute,
    Relative,
}

/// <summary>
/// The <c>POST /planner/sample-size</c> request. <see cref="Mde"/> is signed for proportions: arm B's rate is
/// baseline + effect, so a negative MDE plans for a drop (an error rate that should fall). <see cref="Ratio"/> is
/// n_B/n_A (a 5 % canary is 1/19); <see cref="Inflation"/> is the design effect (≥ 1) for outputs that vary for the
/// same input, multiplying the sample size; <see cref="StdDev"/> is required for means.
/// </summary>
public sealed record SampleSizeRequest(
    PlannedMetric Metric,
    double Baseline,
    double Mde,
    MdeType MdeType,
    double Alpha,
    double Power,
    Sides Sides = Sides.Two,
    double? StdDev = null,
    double Inflation = 1,
    double Ratio = 1);

/// <summary>
/// The <c>POST /planner/sample-size</c> answer: <see cref="PerArm"/> is arm A's size, fractional as R prints it;
/// <see cref="PerArmCeiling"/> rounds it up, <see cref="PerArmB"/> is arm B's rounded up, <see cref="Total"/> their
/// sum; <see cref="EffectAbsolute"/> is the effect in the metric's units (signed); <see cref="Method"/> names the method.
/// </summary>
public sealed record SampleSizeResult(
    double PerArm,
    long PerArmCeiling,
    long PerArmB,
    long Total,
    double EffectAbsolute,
    string Method,
    SequentialPlan? Sequential = null);

/// <summary>
/// The size an always-valid design needs for the same power, beside the fixed one (the price of peeking): both arms
/// scaled by <see cref="Ratio"/> over the fixed plan. See <see cref="SampleSizePlanner.SequentialSize"/>.
/// </summary>
public sealed record SequentialPlan(double PerArm, long PerArmCeiling, long PerArmB, long Total, double Ratio, string Method);

/// <summary>
/// A minimum detectable effect in both forms: in the metric's units (signed like the direction asked) and as a
/// fraction of the baseline (null when the baseline is 0).
/// </summary>
public sealed record DetectableEffect(double Absolute, double? Relative);

/// <summary>
/// The planner's front door: turns the sample-size contract into calls of <see cref="ProportionPower"/> and
/// <see cref="MeanPower"/>, applies the inflation and the allocation, and answers the reverse questions (power at a
/// given n, the effect a given n detects) from the same code so the page's numbers and curves agree.
/// </summary>
public static class SampleSizePlanner
{
    // More samples than any service sees; it also keeps the rounded counts far inside a long.
    private const double MaxSamples = 1e15;

    public static SampleSizeResult Plan(SampleSizeRequest request)
    {
        var effect = EffectAbsolute(request);
        double perArm;
        try
        {
            perArm = request.Inflation * (request.Metric == PlannedMetric.Proportion
                ? ProportionPower.SampleSize(request.Baseline, request.Baseline + effect, request.Alpha, request.Power, request.Sides, request.Ratio)
                : MeanPower.SampleSize(effect, request.StdDev!.Value, request.Alpha, request.Power, request.Sides, request.Ratio));
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "delta")
        {
            perArm = double.PositiveInfinity; // the t search gave up: reported below in the request's own terms
        }

        if (perArm * Math.Max(1, request.Ratio) > MaxSamples)
        {
            throw Guard.OutOfRange("mde", request.Mde,
                $"An effect of {effect:G4} needs more than {MaxSamples:G1} samples per arm: it is too small to detect.");
        }

        var perArmCeiling = CeilingCount(perArm);
        var perArmB = CeilingCount(perArm * request.Ratio);
        return new SampleSizeResult(perArm, perArmCeiling, perArmB, perArmCeiling + perArmB, effect, Describe(request), SequentialSize(request, effect, perArm));
    }

    /// <summary>
    /// The sequential design's size, by a conservative approximation of ours: the confidence sequence tuned at the
    /// fixed plan's total (as experiments tune it), and the smallest multiple f of the fixed plan at which a single
    /// look has the planned power, Φ((|δ| − h(n)) / SE(n)) ≥ 1 − β, with SE under the alternative (rates: p₁ and
    /// p₂ = p₁ + δ, unpooled; means: σ) and h(n) the sequence's half-width (one-sided plans: the 2α sequence's). Looking
    /// continuously can only reject sooner, so the power at that size is at least the planned one. Null when no size up
    /// to 100 times the fixed one reaches it.
    /// </summary>
    public static SequentialPlan? SequentialSize(SampleSizeRequest request, double effect, double perArm)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!double.IsFinite(perArm) || !(perArm > 0) || effect == 0)
        {
            return null;
        }

        var k = request.Ratio;
        var level = request.Sides == Sides.One ? 2 * request.Alpha : request.Alpha;
        var tuning = perArm * (1 + k) / request.Inflation;
        var rho2 = ConfidenceSequence.Rho2(level, tuning);
        var (p1, p2) = (request.Baseline, request.Baseline + effect);
        double PowerAt(double factor)
        {
            var a = factor * perArm / request.Inflation;
            var se = request.Metric == PlannedMetric.Proportion
                ? Math.Sqrt(p1 * (1 - p1) / a + p2 * (1 - p2) / (k * a))
                : request.StdDev!.Value * Math.Sqrt(1 / a + 1 / (k * a));
            var n = a * (1 + k);
            var h = ConfidenceSequence.HalfWidth(se * Math.Sqrt(n), n, level, rho2);
            return MathNet.Numerics.Distributions.Normal.CDF(0, 1, (Math.Abs(effect) - h) / se);
        }

        double low = 1, high = 100;
        if (PowerAt(high) < request.Power)
        {
            return null;
        }

        while (high - low > 1e-4)
        {
            var middle = (low + high) / 2;
            if (PowerAt(middle) >= request.Power)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        var sequential = high * perArm;
        var ceiling = CeilingCount(sequential);
        var b = CeilingCount(sequential * k);
        return new SequentialPlan(sequential, ceiling, b, ceiling + b, high,
            "always-valid (confidence sequence tuned at the fixed plan's total): the smallest size at which one look has the planned power; looking at any time can only decide sooner");
    }

    /// <summary>The power of the request's design and effect when arm A has <paramref name="perArmA"/> samples (inflation counted, arm B k times as many).</summary>
    public static double PowerAt(SampleSizeRequest request, double perArmA)
    {
        var effect = EffectAbsolute(request);
        Guard.Positive(perArmA, nameof(perArmA));
        var effective = perArmA / request.Inflation;
        return request.Metric == PlannedMetric.Proportion
            ? ProportionPower.Power(request.Baseline, request.Baseline + effect, effective, request.Alpha, request.Sides, request.Ratio)
            : MeanPower.Power(effect, request.StdDev!.Value, effective, request.Alpha, request.Sides, request.Ratio);
    }

    /// <summary>
    /// The smallest effect the request's design detects with its power when arm A has <paramref name="perArmA"/>
    /// samples (inflation counted). The request's MDE is not used except for its sign, which picks the direction
    /// for proportions (an increase when it is positive). Null when no proportion on that side is detectable.
    /// </summary>
    public static DetectableEffect? MinimumDetectableEffect(SampleSizeRequest request, double perArmA)
    {
        CheckDesign(request);
        Guard.Positive(perArmA, nameof(perArmA));
        var effective = perArmA / request.Inflation;

        double absolute;
        if (request.Metric == PlannedMetric.Proportion)
        {
            var direction = request.Mde < 0 ? EffectDirection.Decrease : EffectDirection.Increase;
            if (ProportionPower.MinimumDetectable(request.Baseline, effective, request.Alpha, request.Power, request.Sides, request.Ratio, direction) is not { } p2)
            {
                return null;
            }

            absolute = p2 - request.Baseline;
        }
        else
        {
            absolute = MeanPower.MinimumDetectable(request.StdDev!.Value, effective, request.Alpha, request.Power, request.Sides, request.Ratio);
            if (request.Mde < 0)
            {
                absolute = -absolute;
            }
        }

        return new DetectableEffect(absolute, request.Baseline == 0 ? null : absolute / request.Baseline);
    }

    /// <summary>The effect in the metric's units: the MDE itself, or MDE × baseline when it is relative.</summary>
    public static double EffectAbsolute(SampleSizeRequest request)
    {
        CheckDesign(request);
        Guard.Finite(request.Mde, "mde");
        var effect = request.MdeType == MdeType.Relative ? request.Mde * request.Baseline : request.Mde;
        if (effect == 0)
        {
            throw Guard.OutOfRange("mde", request.Mde,
                request.MdeType == MdeType.Relative && request.Baseline == 0
                    ? "A relative MDE needs a baseline other than 0."
                    : "mde must not be 0: there is no effect to detect.");
        }

        if (request.Metric == PlannedMetric.Proportion && !(request.Baseline + effect is >= 0 and <= 1))
        {
            throw Guard.OutOfRange("mde", request.Mde,
                $"baseline + effect = {request.Baseline + effect:G4} is not a proportion: the MDE must keep arm B's rate between 0 and 1.");
        }

        return effect;
    }

    private static void CheckDesign(SampleSizeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.IsDefined(request.Metric))
        {
            throw Guard.OutOfRange("metric", request.Metric, "metric must be proportion or mean.");
        }

        if (!Enum.IsDefined(request.MdeType))
        {
            throw Guard.OutOfRange("mdeType", request.MdeType, "mdeType must be absolute or relative.");
        }

        if (request.Metric == PlannedMetric.Proportion)
        {
            Guard.ProportionValue(request.Baseline, "baseline");
        }
        else
        {
            Guard.Finite(request.Baseline, "baseline");
            if (request.StdDev is not { } stdDev)
            {
                throw Guard.OutOfRange("stdDev", null, "stdDev is required for a mean.");
            }

            Guard.Positive(stdDev, "stdDev");
        }

        Guard.Probability(request.Alpha, "alpha");
        Guard.Probability(request.Power, "power");
        StatisticsGuard.Sides(request.Sides, "sides");
        Guard.Positive(request.Ratio, "ratio");
        if (!(request.Inflation >= 1) || double.IsInfinity(request.Inflation))
        {
            throw Guard.OutOfRange("inflation", request.Inflation,
                "inflation is a design effect: a finite number of at least 1.");
        }
    }

    private static string Describe(SampleSizeRequest request)
    {
        var method = request.Metric == PlannedMetric.Proportion ? ProportionPower.Method : MeanPower.Method;
        var sides = request.Sides == Sides.Two ? "two-sided" : "one-sided";
        var inflation = request.Inflation == 1 ? "" : $", times inflation {request.Inflation:G6}";
        return $"{method}; {sides}, α = {request.Alpha:G6}, power = {request.Power:G6}, k = {request.Ratio:G6}{inflation}.";
    }

    // A count that is an integer up to floating-point noise stays that integer instead of gaining one.
    internal static long CeilingCount(double value) => (long)Math.Ceiling(value * (1 - 1e-12));
}
