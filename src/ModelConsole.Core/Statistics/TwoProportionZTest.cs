using MathNet.Numerics.Distributions;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// The two-proportion z-test for arm B against arm A: z from the pooled proportion under H0, a two-sided p-value,
/// and the Wald interval of p_B − p_A with the unpooled standard error, no continuity correction. It is R's
/// <c>prop.test(c(xB, xA), c(nB, nA), correct = FALSE)</c>: that test's X-squared is z² and its interval is this one.
/// </summary>
public static class TwoProportionZTest
{
    /// <summary>
    /// Compares arm B's success rate with arm A's. When neither arm has any variation (no successes at all, or
    /// nothing but successes) there is no evidence of a difference: z is 0 and the p-value 1.
    /// </summary>
    public static ZTestResult Compare(long successesA, long trialsA, long successesB, long trialsB, double confidence = 0.95)
    {
        Check(successesA, trialsA, successesB, trialsB);
        Guard.Probability(confidence, nameof(confidence));

        var pA = (double)successesA / trialsA;
        var pB = (double)successesB / trialsB;
        var difference = pB - pA;
        var z = PooledZ(successesA, trialsA, successesB, trialsB);
        var pValue = 2 * Normal.CDF(0, 1, -Math.Abs(z));
        var unpooled = Math.Sqrt(pA * (1 - pA) / trialsA + pB * (1 - pB) / trialsB);
        var half = Quantiles.Z(1 - (1 - confidence) / 2) * unpooled;
        return new ZTestResult(pA, pB, difference, z, pValue, difference - half, difference + half, confidence);
    }

    /// <summary>
    /// z = (p_B − p_A) / √(p̂(1 − p̂)(1/n_A + 1/n_B)) with p̂ the pooled proportion: positive when B's rate is higher.
    /// A threshold rule compares it with z_{1−α} for a one-sided test; 0 when neither arm varies.
    /// </summary>
    public static double PooledZ(long successesA, long trialsA, long successesB, long trialsB)
    {
        Check(successesA, trialsA, successesB, trialsB);
        return PooledZ((double)successesA / trialsA, trialsA, (double)successesB / trialsB, trialsB);
    }

    /// <summary>
    /// The same z from proportions and (possibly fractional, expected) sizes: what a rule's statistic would be for a
    /// candidate at rate <paramref name="proportionB"/> over <paramref name="sizeB"/> calls (rollback readiness).
    /// </summary>
    public static double PooledZ(double proportionA, double sizeA, double proportionB, double sizeB)
    {
        var pooled = (proportionA * sizeA + proportionB * sizeB) / (sizeA + sizeB);
        var se = Math.Sqrt(pooled * (1 - pooled) * (1 / sizeA + 1 / sizeB));
        return se == 0 ? 0 : (proportionB - proportionA) / se;
    }

    /// <summary>The one-sided p-value of H1 "B's rate is higher than A's": P(Z ≥ z) for the pooled z.</summary>
    public static double OneSidedPValue(long successesA, long trialsA, long successesB, long trialsB) =>
        Normal.CDF(0, 1, -PooledZ(successesA, trialsA, successesB, trialsB));

    private static void Check(long successesA, long trialsA, long successesB, long trialsB)
    {
        CheckArm(successesA, trialsA, nameof(successesA), nameof(trialsA));
        CheckArm(successesB, trialsB, nameof(successesB), nameof(trialsB));
    }

    private static void CheckArm(long successes, long trials, string successesName, string trialsName)
    {
        if (trials <= 0)
        {
            throw new InputOutOfRangeException(trialsName, trials, $"{trialsName} must be at least 1.");
        }

        if (successes < 0 || successes > trials)
        {
            throw new InputOutOfRangeException(successesName, successes, $"{successesName} must be between 0 and {trialsName} ({trials}).");
        }
    }
}
