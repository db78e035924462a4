using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// Power, sample size and minimum detectable difference of the two-sample t-test with the noncentral t, as R's
/// <c>power.t.test</c> (type two.sample, strict = FALSE: the far tail is ignored), generalised to arm B having
/// k = n_B/n_A times arm A's size: power = P(T' &gt; t_{1 − α/sides, ν}) with ν = n_A + n_B − 2 and
/// ncp = δ / (σ·√(1/n_A + 1/n_B)). n is found by root finding, as R does, and stays fractional.
/// </summary>
public static class MeanPower
{
    public const string Method =
        "Two-sample t-test, noncentral t as R's power.t.test (strict = FALSE), for allocation k = nB/nA: "
        + "power = P(T' > t(1 − α/sides, ν); ncp), ν = nA + nB − 2, ncp = δ/(σ·√(1/nA + 1/nB)), nA by root finding";

    // Beyond this a difference is too small to plan for: it would take more samples than any service sees.
    private const double MaxSamples = 1e15;

    /// <summary>
    /// The probability that the test rejects when the means differ by <paramref name="delta"/> (sign ignored), with
    /// <paramref name="perArmA"/> samples in arm A and k times as many in arm B.
    /// </summary>
    public static double Power(double delta, double stdDev, double perArmA, double alpha, Sides sides = Sides.Two, double ratio = 1)
    {
        Guard.Finite(delta, nameof(delta));
        Guard.Positive(stdDev, nameof(stdDev));
        Guard.Positive(perArmA, nameof(perArmA));
        ProportionPower.CheckDesign(alpha, sides, ratio);

        var degreesOfFreedom = DegreesOfFreedom(perArmA, ratio);
        if (!(degreesOfFreedom > 0))
        {
            throw new InputOutOfRangeException(nameof(perArmA), perArmA,
                "perArmA is too small: the two arms together need more than 2 samples for a t-test.");
        }

        return PowerUnchecked(Math.Abs(delta), stdDev, perArmA, alpha, sides, ratio);
    }

    /// <summary>
    /// Arm A's sample size (fractional, as R prints it) for the given power; arm B needs <paramref name="ratio"/>
    /// times as many. The search starts where the two arms have one degree of freedom together; if even that
    /// reaches the power, that smallest size is the answer.
    /// </summary>
    public static double SampleSize(double delta, double stdDev, double alpha, double power, Sides sides = Sides.Two, double ratio = 1)
    {
        Guard.Finite(delta, nameof(delta));
        if (delta == 0)
        {
            throw new InputOutOfRangeException(nameof(delta), delta, "delta must not be 0: there is no effect to detect.");
        }

        Guard.Positive(stdDev, nameof(stdDev));
        ProportionPower.CheckDesign(alpha, sides, ratio);
        Guard.Probability(power, nameof(power));
        StatisticsGuard.PowerAboveSize(power, alpha, sides);

        var size = Math.Abs(delta);
        double Gap(double n) => PowerUnchecked(size, stdDev, n, alpha, sides, ratio) - power;

        var smallest = 3 / (1 + ratio); // ν = 1
        if (Gap(smallest) >= 0)
        {
            return smallest;
        }

        // The normal approximation is a good first guess for the bracket.
        var z = Quantiles.CriticalZ(alpha, sides) + Quantiles.Z(power);
        var guess = (1 + 1 / ratio) * Math.Pow(z * stdDev / size, 2) + 2;
        return Quantiles.IncreasingRoot(Gap, smallest, guess, MaxSamples)
            ?? throw new InputOutOfRangeException(nameof(delta), delta,
                $"delta is too small to detect: it needs more than {MaxSamples:G1} samples per arm.");
    }

    /// <summary>The smallest difference of means (positive) that <paramref name="perArmA"/> samples in arm A (k times as many in B) detect.</summary>
    public static double MinimumDetectable(double stdDev, double perArmA, double alpha, double power, Sides sides = Sides.Two, double ratio = 1)
    {
        Guard.Positive(stdDev, nameof(stdDev));
        Guard.Positive(perArmA, nameof(perArmA));
        ProportionPower.CheckDesign(alpha, sides, ratio);
        Guard.Probability(power, nameof(power));
        StatisticsGuard.PowerAboveSize(power, alpha, sides);
        if (!(DegreesOfFreedom(perArmA, ratio) > 0))
        {
            throw new InputOutOfRangeException(nameof(perArmA), perArmA,
                "perArmA is too small: the two arms together need more than 2 samples for a t-test.");
        }

        // Power is α/sides at δ = 0 and rises to 1: one crossing.
        double Gap(double delta) => PowerUnchecked(delta, stdDev, perArmA, alpha, sides, ratio) - power;
        var z = Quantiles.CriticalZ(alpha, sides) + Quantiles.Z(power);
        var guess = z * stdDev * Math.Sqrt((1 + 1 / ratio) / perArmA);
        return Quantiles.IncreasingRoot(Gap, 0, Math.Max(guess, stdDev * 1e-9), double.MaxValue)
            ?? throw new InputOutOfRangeException(nameof(power), power, "No difference of means reaches this power.");
    }

    private static double DegreesOfFreedom(double perArmA, double ratio) => perArmA * (1 + ratio) - 2;

    private static double PowerUnchecked(double delta, double stdDev, double perArmA, double alpha, Sides sides, double ratio)
    {
        var degreesOfFreedom = DegreesOfFreedom(perArmA, ratio);
        var noncentrality = delta / (stdDev * Math.Sqrt(1 / perArmA + 1 / (ratio * perArmA)));
        return NoncentralT.UpperTail(Quantiles.CriticalT(alpha, sides, degreesOfFreedom), degreesOfFreedom, noncentrality);
    }
}
