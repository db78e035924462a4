using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// The noncentral t distribution's CDF, which MathNet.Numerics lacks. The series is Lenth's Algorithm AS 243
/// (R. V. Lenth, "Cumulative distribution function of the non-central t distribution", Applied Statistics 38(1),
/// 1989, pp. 185–189), the one R's <c>pt(q, df, ncp)</c> evaluates, so power.t.test's numbers come out the same.
/// </summary>
public static class NoncentralT
{
    private const int MaxTerms = 1000;
    private const double ErrorBound = 1e-12;
    private const double MachineEpsilon = 2.220446049250313e-16; // C#'s double.Epsilon is the smallest subnormal, not this

    // R's pt switches to a normal approximation past these: the series needs too many terms for huge df, and
    // exp(-ncp²/2) underflows when ncp² > 2·ln 2·1021 (ncp > 37.6). Keeping R's bounds keeps R's answers.
    private const double LargeDegreesOfFreedom = 4e5;
    private static readonly double UnderflowNcpSquared = 2 * Math.Log(2) * 1021;

    /// <summary>P(T ≤ t) for T noncentral t with ν degrees of freedom (fractional allowed) and noncentrality δ.</summary>
    public static double Cdf(double t, double degreesOfFreedom, double noncentrality)
    {
        if (double.IsNaN(t))
        {
            throw new InputOutOfRangeException(nameof(t), t, "t must be a number.");
        }

        Guard.Positive(degreesOfFreedom, nameof(degreesOfFreedom));
        Guard.Finite(noncentrality, nameof(noncentrality));

        if (noncentrality == 0)
        {
            return StudentT.CDF(0, 1, degreesOfFreedom, t);
        }

        if (double.IsInfinity(t))
        {
            return t < 0 ? 0 : 1;
        }

        if (degreesOfFreedom > LargeDegreesOfFreedom || noncentrality * noncentrality > UnderflowNcpSquared)
        {
            // Abramowitz & Stegun 26.7.10.
            var s = 1 / (4 * degreesOfFreedom);
            return Normal.CDF(0, 1, (t * (1 - s) - noncentrality) / Math.Sqrt(1 + t * t * 2 * s));
        }

        if (t >= 0)
        {
            return Math.Min(1, Series(t, degreesOfFreedom, noncentrality));
        }

        // The series is for t ≥ 0; reflect: P(T ≤ t; ν, δ) = 1 − P(T ≤ −t; ν, −δ). Far in the left tail it is 0.
        return noncentrality > 40 ? 0 : 1 - Math.Min(1, Series(-t, degreesOfFreedom, -noncentrality));
    }

    /// <summary>P(T &gt; t), the power of a test that rejects above <paramref name="t"/>.</summary>
    public static double UpperTail(double t, double degreesOfFreedom, double noncentrality) =>
        1 - Cdf(t, degreesOfFreedom, noncentrality);

    // AS 243 for t ≥ 0: P(T ≤ t) = Φ(−δ) + Σ_j [p_j·I_x(j + ½, ν/2) + q_j·I_x(j + 1, ν/2)] with x = t²/(t² + ν),
    // p_j, q_j the halved Poisson(δ²/2) weights of the even and odd terms. The incomplete beta functions follow by
    // the recurrence I_x(a + 1, b) = I_x(a, b) − x^a(1 − x)^b / (a·B(a, b)), so only the first one is computed.
    private static double Series(double t, double df, double delta)
    {
        var total = 0.0;
        if (t > 0)
        {
            var x = t * t / (t * t + df);
            var oneMinusX = df / (t * t + df); // exact even when t² ≪ ν, where 1 − x would cancel
            var lambda = delta * delta;
            var p = 0.5 * Math.Exp(-0.5 * lambda);
            var q = Math.Sqrt(2 / Math.PI) * p * delta;
            var remaining = 0.5 - p; // Poisson mass of the terms not summed yet, which bounds the error
            if (remaining < 1e-7)
            {
                remaining = -0.5 * ExpMinusOne(-0.5 * lambda);
            }

            var a = 0.5;
            var b = 0.5 * df;
            var rxb = Math.Pow(oneMinusX, b);
            var logBeta = SpecialFunctions.BetaLn(0.5, b);
            var xOdd = SpecialFunctions.BetaRegularized(a, b, x);
            var gOdd = 2 * rxb * Math.Exp(a * Math.Log(x) - logBeta);
            var bx = b * x;
            var xEven = bx < MachineEpsilon ? bx : 1 - rxb;
            var gEven = bx * rxb;
            total = p * xOdd + q * xEven;

            for (var j = 1; j <= MaxTerms; j++)
            {
                a += 1;
                xOdd -= gOdd;
                xEven -= gEven;
                gOdd *= x * (a + b - 1) / a;
                gEven *= x * (a + b - 0.5) / (a + 0.5);
                p *= lambda / (2 * j);
                q *= lambda / (2 * j + 1);
                total += p * xOdd + q * xEven;
                remaining -= p;
                if (remaining < -1e-10 || (remaining <= 0 && j > 1))
                {
                    break; // all the Poisson mass is in: rounding, not truncation, is what is left
                }

                if (Math.Abs(2 * remaining * (xOdd - gOdd)) < ErrorBound)
                {
                    break;
                }
            }
        }

        return total + Normal.CDF(0, 1, -delta);
    }

    // Only called for |x| < 4e-7 (remaining < 1e-7), where three terms are exact to double precision.
    private static double ExpMinusOne(double x) => x + x * x / 2 + x * x * x / 6;
}
