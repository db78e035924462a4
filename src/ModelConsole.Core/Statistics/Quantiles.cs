using MathNet.Numerics.Distributions;
using MathNet.Numerics.RootFinding;

namespace ModelConsole.Core.Statistics;

/// <summary>The critical values and the root finding the power, sample size and test code share.</summary>
internal static class Quantiles
{
    /// <summary>z with P(Z ≤ z) = p.</summary>
    public static double Z(double p) => Normal.InvCDF(0, 1, p);

    /// <summary>
    /// t with P(T ≤ t) = p for ν degrees of freedom (fractional allowed). Past 10⁸ degrees of freedom the t quantile is
    /// the normal one to far better than any plan needs, and MathNet's search no longer converges there.
    /// </summary>
    public static double T(double p, double degreesOfFreedom) =>
        degreesOfFreedom > 1e8 ? Z(p) : StudentT.InvCDF(0, 1, degreesOfFreedom, p);

    /// <summary>The critical value of a test of size α split over the given tails: z_{1 − α/sides}.</summary>
    public static double CriticalZ(double alpha, Sides sides) => -Z(alpha / (int)sides);

    public static double CriticalT(double alpha, Sides sides, double degreesOfFreedom) => -T(alpha / (int)sides, degreesOfFreedom);

    /// <summary>
    /// The root of an increasing function on [lower, ∞): the upper end doubles until the sign changes, then Brent's
    /// method refines to a relative accuracy far below the four significant digits R's uniroot promises. Null when
    /// the function is still negative at <paramref name="limit"/>.
    /// </summary>
    public static double? IncreasingRoot(Func<double, double> f, double lower, double firstUpper, double limit)
    {
        var upper = Math.Max(firstUpper, lower * 2);
        if (upper > limit)
        {
            return null; // the first guess already needs more than any plan may
        }

        while (f(upper) < 0)
        {
            lower = upper;
            upper *= 2;
            if (upper > limit)
            {
                return null;
            }
        }

        return Brent.FindRoot(f, lower, upper, accuracy: upper * 1e-13, maxIterations: 500);
    }
}
