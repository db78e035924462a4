using MathNet.Numerics.Distributions;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class TwoProportionZTestTests
{
    [Fact]
    public void Compare_MatchesPropTestWithoutContinuityCorrection()
    {
        // R, prop.test(..., correct = FALSE) as printed on influentialpoints.com ("Two-sample test for independent
        // proportions - using R"): prop 1 = 0.4392523, prop 2 = 0.3046875, X-squared = 6.1026, p-value = 0.01350,
        // 95 % CI of prop 1 − prop 2: 0.03074072 0.23838896. The page prints proportions only; 94/214 and 39/128
        // are the counts that give both them and that X-squared. Here arm A is group 2 and B group 1, so B − A is
        // R's prop 1 − prop 2.
        var result = TwoProportionZTest.Compare(39, 128, 94, 214);

        Assert.Equal(0.3046875, result.ProportionA, 1e-15);
        Assert.Equal(0.4392523, result.ProportionB, 5e-8);
        Assert.Equal(6.1026, result.Z * result.Z, 5e-5); // prop.test's X-squared is z²
        Assert.Equal(0.01350, result.PValue, 5e-6);
        Assert.Equal(0.03074072, result.CiLow, 5e-9);
        Assert.Equal(0.23838896, result.CiHigh, 5e-9);
        Assert.Equal(0.95, result.Confidence);
    }

    [Fact]
    public void PooledZ_IsTheTextbookStatistic()
    {
        // By hand: 10/100 vs 20/100, pooled p̂ = 0.15, SE = √(0.15·0.85·(1/100 + 1/100)) = 0.05049752,
        // z = (0.20 − 0.10)/0.05049752 = 1.980295.
        Assert.Equal(1.980295, TwoProportionZTest.PooledZ(10, 100, 20, 100), 5e-7);
        Assert.Equal(-1.980295, TwoProportionZTest.PooledZ(20, 100, 10, 100), 5e-7);
    }

    [Fact]
    public void OneSidedPValue_IsTheUpperTailOfThePooledZ_HalfTheTwoSidedOne()
    {
        var oneSided = TwoProportionZTest.OneSidedPValue(10, 100, 20, 100);

        Assert.Equal(Normal.CDF(0, 1, -1.980295), oneSided, 1e-7);
        Assert.Equal(TwoProportionZTest.Compare(10, 100, 20, 100).PValue / 2, oneSided, 1e-15);
        Assert.True(TwoProportionZTest.OneSidedPValue(20, 100, 10, 100) > 0.5, "B lower than A is no evidence for B higher");
    }

    [Fact]
    public void Compare_WithAnotherConfidence_WidensOrNarrowsTheInterval()
    {
        var ninety = TwoProportionZTest.Compare(39, 128, 94, 214, 0.90);
        var ninetyNine = TwoProportionZTest.Compare(39, 128, 94, 214, 0.99);

        // Half-widths scale with the normal quantile: 1.644854 and 2.575829 against 1.959964.
        var half95 = (0.23838896 - 0.03074072) / 2;
        Assert.Equal(half95 * 1.6448536269514722 / 1.959963984540054, (ninety.CiHigh - ninety.CiLow) / 2, 1e-8);
        Assert.Equal(half95 * 2.5758293035489004 / 1.959963984540054, (ninetyNine.CiHigh - ninetyNine.CiLow) / 2, 1e-8);
    }

    [Fact]
    public void Compare_WhenNeitherArmVaries_ShowsNoEvidence()
    {
        var result = TwoProportionZTest.Compare(0, 100, 0, 50);

        Assert.Equal(0, result.Z);
        Assert.Equal(1, result.PValue);
        Assert.Equal(0, result.CiLow);
        Assert.Equal(0, result.CiHigh);
    }

    [Theory]
    [InlineData(-1, 10, 0, 10)]
    [InlineData(11, 10, 0, 10)]
    [InlineData(0, 0, 0, 10)]
    [InlineData(0, 10, 5, 4)]
    public void Compare_RefusesImpossibleCounts(long successesA, long trialsA, long successesB, long trialsB)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => TwoProportionZTest.Compare(successesA, trialsA, successesB, trialsB));
    }
}
