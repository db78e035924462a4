using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// Power, sample size and minimum detectable effect of the two-proportion z-test, the normal approximation of R's
/// <c>power.prop.test</c> (strict = FALSE: the far tail is ignored), generalised to arm B having k = n_B/n_A times
/// arm A's size: n_A = [z_α·√(p̄q̄(1 + 1/k)) + z_β·√(p1q1 + p2q2/k)]² / δ² with p̄ = (p1 + k·p2)/(1 + k) and
/// z_α = z_{1 − α/sides}. At k = 1 it is R's formula. p1 is arm A's (the baseline's) proportion.
/// </summary>
public static class ProportionPower
{
    public const string Method =
        "Two-proportion z-test, normal approximation as R's power.prop.test (strict = FALSE), for allocation k = nB/nA: "
        + "nA = [z_α·√(p̄q̄(1 + 1/k)) + z_β·√(p1q1 + p2q2/k)]² / δ², p̄ = (p1 + k·p2)/(1 + k)";

    /// <summary>
    /// The probability that the test rejects when the true proportions are p1 (arm A, <paramref name="perArmA"/>
    /// samples) and p2 (arm B, k times as many).
    /// </summary>
    public static double Power(double p1, double p2, double perArmA, double alpha, Sides sides = Sides.Two, double ratio = 1)
    {
        CheckProportions(p1, p2);
        Guard.Positive(perArmA, nameof(perArmA));
        CheckDesign(alpha, sides, ratio);

        var (nullSd, alternativeSd) = StandardDeviations(p1, p2, ratio);
        var distance = Math.Sqrt(perArmA) * Math.Abs(p2 - p1) - Quantiles.CriticalZ(alpha, sides) * nullSd;
        if (alternativeSd == 0)
        {
            return distance > 0 ? 1 : 0; // p1 and p2 are 0 and 1: no sampling noise under the alternative
        }

        return MathNet.Numerics.Distributions.Normal.CDF(0, 1, distance / alternativeSd);
    }

    /// <summary>Arm A's sample size (fractional, as R prints it) for the given power; arm B needs <paramref name="ratio"/> times as many.</summary>
    public static double SampleSize(double p1, double p2, double alpha, double power, Sides sides = Sides.Two, double ratio = 1)
    {
        CheckProportions(p1, p2);
        CheckDesign(alpha, sides, ratio);
        Guard.Probability(power, nameof(power));
        StatisticsGuard.PowerAboveSize(power, alpha, sides);

        // Closed form: the power equation solved for n, which is what R's uniroot converges to.
        var (nullSd, alternativeSd) = StandardDeviations(p1, p2, ratio);
        var root = Quantiles.CriticalZ(alpha, sides) * nullSd + Quantiles.Z(power) * alternativeSd;
        if (!(root > 0))
        {
            // With unequal arms the null variance can be the smaller one; then a low power is reached by n → 0.
            throw new InputOutOfRangeException(nameof(power), power,
                "power is so low that these proportions reach it with no samples: ask for a higher power.");
        }

        return root * root / ((p2 - p1) * (p2 - p1));
    }

    /// <summary>
    /// The p2 that <paramref name="perArmA"/> samples detect with the given power: above p1 by default (as R's
    /// power.prop.test solves for p2), below it for <see cref="EffectDirection.Decrease"/>. Null when no proportion
    /// on that side of p1, not even 1 (or 0), is detectable with that many samples.
    /// </summary>
    public static double? MinimumDetectable(double p1, double perArmA, double alpha, double power, Sides sides = Sides.Two,
        double ratio = 1, EffectDirection direction = EffectDirection.Increase)
    {
        Guard.ProportionValue(p1, nameof(p1));
        Guard.Positive(perArmA, nameof(perArmA));
        CheckDesign(alpha, sides, ratio);
        Guard.Probability(power, nameof(power));
        StatisticsGuard.PowerAboveSize(power, alpha, sides);

        var end = direction == EffectDirection.Increase ? 1.0 : 0.0;
        if (p1 == end || Power(p1, end, perArmA, alpha, sides, ratio) < power)
        {
            return null;
        }

        // At p2 = p1 the power is α/sides, below the target; at the end it is above: one crossing in between.
        double Gap(double p2) => p2 == p1 ? alpha / (int)sides - power : Power(p1, p2, perArmA, alpha, sides, ratio) - power;
        return MathNet.Numerics.RootFinding.Brent.FindRoot(Gap, Math.Min(p1, end), Math.Max(p1, end), accuracy: 1e-13, maxIterations: 500);
    }

    // √(p̄q̄(1 + 1/k)) under H0 (pooled) and √(p1q1 + p2q2/k) under H1, both per √n_A.
    private static (double Null, double Alternative) StandardDeviations(double p1, double p2, double ratio)
    {
        var pooled = (p1 + ratio * p2) / (1 + ratio);
        return (Math.Sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)), Math.Sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio));
    }

    private static void CheckProportions(double p1, double p2)
    {
        Guard.ProportionValue(p1, nameof(p1));
        Guard.ProportionValue(p2, nameof(p2));
        if (p1 == p2)
        {
            throw new InputOutOfRangeException(nameof(p2), p2, "p2 must differ from p1: there is no effect to detect.");
        }
    }

    internal static void CheckDesign(double alpha, Sides sides, double ratio)
    {
        Guard.Probability(alpha, nameof(alpha));
        StatisticsGuard.Sides(sides, nameof(sides));
        Guard.Positive(ratio, nameof(ratio));
    }
}
