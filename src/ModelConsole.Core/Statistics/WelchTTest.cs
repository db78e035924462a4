using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// Welch's two-sample t-test of mean B − mean A with the Welch–Satterthwaite degrees of freedom and the interval
/// of the difference, as R's <c>t.test(b, a, var.equal = FALSE)</c>. Works from raw samples or from summaries
/// (count, mean, standard deviation), so rollups need not keep every value.
/// </summary>
public static class WelchTTest
{
    public static TTestResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95) =>
        Compare(SampleSummary.FromSamples(a), SampleSummary.FromSamples(b), confidence);

    /// <summary>
    /// From summaries. When neither arm varies at all the difference is known exactly: t is 0 with p-value 1 if it
    /// is 0, infinite with p-value 0 otherwise, and the interval is the difference itself.
    /// </summary>
    public static TTestResult Compare(SampleSummary a, SampleSummary b, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Check(nameof(a));
        b.Check(nameof(b));
        Guard.Probability(confidence, nameof(confidence));

        var varianceA = a.StdDev * a.StdDev / a.Count;
        var varianceB = b.StdDev * b.StdDev / b.Count;
        var se = Math.Sqrt(varianceA + varianceB);
        var degreesOfFreedom = se == 0
            ? a.Count + b.Count - 2
            : (varianceA + varianceB) * (varianceA + varianceB)
              / (varianceA * varianceA / (a.Count - 1) + varianceB * varianceB / (b.Count - 1));
        return TTest.FromDifference(b.Mean - a.Mean, se, degreesOfFreedom, confidence);
    }
}

/// <summary>The step every t-test ends with: t, the two-sided p-value and the interval from an estimate, its standard error and ν.</summary>
internal static class TTest
{
    public static TTestResult FromDifference(double difference, double se, double degreesOfFreedom, double confidence)
    {
        if (se == 0)
        {
            var t = difference == 0 ? 0 : Math.CopySign(double.PositiveInfinity, difference);
            return new TTestResult(difference, 0, t, degreesOfFreedom, difference == 0 ? 1 : 0, difference, difference, confidence);
        }

        var statistic = difference / se;
        var pValue = 2 * MathNet.Numerics.Distributions.StudentT.CDF(0, 1, degreesOfFreedom, -Math.Abs(statistic));
        var half = Quantiles.T(1 - (1 - confidence) / 2, degreesOfFreedom) * se;
        return new TTestResult(difference, se, statistic, degreesOfFreedom, Math.Min(1, pValue), difference - half, difference + half, confidence);
    }
}
