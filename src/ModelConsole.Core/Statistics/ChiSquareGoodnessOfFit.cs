using MathNet.Numerics;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// Pearson's chi-square goodness of fit of observed counts to expected shares, as R's <c>chisq.test(x, p = shares)</c>:
/// Σ (O − E)² / E on (categories − 1) degrees of freedom. The sample-ratio-mismatch check is this test on the
/// arms' counts against the planned split.
/// </summary>
public static class ChiSquareGoodnessOfFit
{
    /// <summary>Against equal shares, as <c>chisq.test(x)</c>.</summary>
    public static ChiSquareResult Test(IReadOnlyList<long> observed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        return Test(observed, Enumerable.Repeat(1.0, observed.Count).ToArray());
    }

    /// <summary>
    /// Against <paramref name="expectedShares"/>, which are rescaled to sum to 1 (so 95 and 5 work as well as 0.95
    /// and 0.05). With no observations at all there is no evidence of a mismatch: statistic 0, p-value 1.
    /// </summary>
    public static ChiSquareResult Test(IReadOnlyList<long> observed, IReadOnlyList<double> expectedShares)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(expectedShares);
        if (observed.Count < 2)
        {
            throw new InputOutOfRangeException(nameof(observed), observed.Count, "A goodness-of-fit test needs at least 2 categories.");
        }

        if (expectedShares.Count != observed.Count)
        {
            throw new InputOutOfRangeException(nameof(expectedShares), expectedShares.Count,
                $"There must be one expected share per category ({observed.Count}).");
        }

        var total = 0.0;
        var shareTotal = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            Guard.NonNegative(observed[i], nameof(observed));
            Guard.Positive(expectedShares[i], nameof(expectedShares));
            total += observed[i];
            shareTotal += expectedShares[i];
        }

        var degreesOfFreedom = observed.Count - 1;
        if (total == 0)
        {
            return new ChiSquareResult(0, degreesOfFreedom, 1);
        }

        var statistic = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = total * expectedShares[i] / shareTotal;
            statistic += (observed[i] - expected) * (observed[i] - expected) / expected;
        }

        return new ChiSquareResult(statistic, degreesOfFreedom, UpperTail(statistic, degreesOfFreedom));
    }

    /// <summary>Sample-ratio mismatch of a two-arm split: arm B was planned to get <paramref name="sharePercentB"/> % of the subjects.</summary>
    public static ChiSquareResult SampleRatioMismatch(long countA, long countB, double sharePercentB)
    {
        Guard.Percent(sharePercentB, nameof(sharePercentB), allowHundred: false);
        return Test([countA, countB], [100 - sharePercentB, sharePercentB]);
    }

    // The regularized upper incomplete gamma keeps tiny p-values that 1 − CDF would round to 0.
    internal static double UpperTail(double statistic, int degreesOfFreedom) =>
        SpecialFunctions.GammaUpperRegularized(degreesOfFreedom / 2.0, statistic / 2);
}
