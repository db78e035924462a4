using MathNet.Numerics.Distributions;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class ChiSquareGoodnessOfFitTests
{
    [Fact]
    public void Test_MatchesRsChisqTestExample()
    {
        // ?chisq.test: x <- c(A = 20, B = 15, C = 25); chisq.test(x) gives X-squared = 2.5, df = 2, p-value = 0.2865
        // (0.28650479686019009 in full); with 2 df the p-value is exp(−X²/2) = exp(−1.25).
        var result = ChiSquareGoodnessOfFit.Test([20, 15, 25]);

        Assert.Equal(2.5, result.Statistic, 1e-12);
        Assert.Equal(2, result.DegreesOfFreedom);
        Assert.Equal(0.28650479686019009, result.PValue, 1e-14);
    }

    [Fact]
    public void Test_WithGivenShares_IsPearsonsStatistic()
    {
        // ?chisq.test's x <- c(89, 37, 30, 28, 2) with p <- c(0.40, 0.20, 0.20, 0.19, 0.01), by hand: expected
        // 74.4, 37.2, 37.2, 35.34, 1.86; X² = 14.6²/74.4 + 0.2²/37.2 + 7.2²/37.2 + 7.34²/35.34 + 0.14²/1.86 = 5.794709;
        // with 4 df the upper tail is exp(−X²/2)·(1 + X²/2) = 0.215013.
        var result = ChiSquareGoodnessOfFit.Test([89, 37, 30, 28, 2], [0.40, 0.20, 0.20, 0.19, 0.01]);

        Assert.Equal(5.794709, result.Statistic, 5e-7);
        Assert.Equal(4, result.DegreesOfFreedom);
        Assert.Equal(Math.Exp(-result.Statistic / 2) * (1 + result.Statistic / 2), result.PValue, 1e-14);
        Assert.Equal(0.215013, result.PValue, 5e-7);
    }

    [Fact]
    public void Test_RescalesSharesThatDoNotSumToOne()
    {
        // As chisq.test(x, p = c(40, 20, 20, 15, 5), rescale.p = TRUE).
        var percents = ChiSquareGoodnessOfFit.Test([89, 37, 30, 28, 2], [40.0, 20, 20, 15, 5]);
        var fractions = ChiSquareGoodnessOfFit.Test([89, 37, 30, 28, 2], [0.40, 0.20, 0.20, 0.15, 0.05]);

        Assert.Equal(fractions.Statistic, percents.Statistic, 1e-12);
        Assert.Equal(9.990143, percents.Statistic, 5e-7); // by hand, as above with expected 74.4, 37.2, 37.2, 27.9, 9.3
    }

    [Fact]
    public void SampleRatioMismatch_OfAFiftyFiftySplit_IsTheTextbookOneDegreeTest()
    {
        // 5050 vs 4950 against 5000 each: X² = 2·50²/5000 = 1, and with 1 df p = 2·Φ(−1) = 0.3173105.
        var result = ChiSquareGoodnessOfFit.SampleRatioMismatch(5050, 4950, 50);

        Assert.Equal(1, result.Statistic, 1e-12);
        Assert.Equal(1, result.DegreesOfFreedom);
        Assert.Equal(0.31731050786291404, result.PValue, 1e-12);
    }

    [Fact]
    public void SampleRatioMismatch_OfACanarySplit_UsesThePlannedShares()
    {
        // 940 in A and 60 in B where B should get 5 %: expected 950 and 50, X² = 10²/950 + 10²/50 = 2.105263.
        var result = ChiSquareGoodnessOfFit.SampleRatioMismatch(940, 60, 5);

        Assert.Equal(100.0 / 950 + 100.0 / 50, result.Statistic, 1e-12);
        Assert.Equal(2 * Normal.CDF(0, 1, -Math.Sqrt(result.Statistic)), result.PValue, 1e-12);
    }

    [Fact]
    public void Test_KeepsTinyPValues()
    {
        // A gross mismatch: 1 − CDF would round to 0, the upper incomplete gamma does not.
        // 55 000 vs 45 000 against 50 000 each: X² = 1000, p = erfc(√500) = 1.8e-219.
        var result = ChiSquareGoodnessOfFit.SampleRatioMismatch(55_000, 45_000, 50);

        Assert.Equal(1000, result.Statistic, 1e-9);
        Assert.Equal(1.8e-219, result.PValue, 0.1e-219);
    }

    [Fact]
    public void Test_WithNoObservations_ShowsNoEvidence()
    {
        Assert.Equal(new ChiSquareResult(0, 1, 1), ChiSquareGoodnessOfFit.SampleRatioMismatch(0, 0, 10));
    }

    [Fact]
    public void Test_RefusesMismatchedOrInvalidShares()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ChiSquareGoodnessOfFit.Test([1, 2, 3], [0.5, 0.5]));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ChiSquareGoodnessOfFit.Test([1, 2], [0.5, 0.0]));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ChiSquareGoodnessOfFit.Test([5]));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ChiSquareGoodnessOfFit.SampleRatioMismatch(10, 10, 100));
    }
}
