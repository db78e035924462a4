using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class McNemarTestTests
{
    // R's ?mcnemar.test example (Agresti 1990, p. 350): matrix(c(794, 86, 150, 570), nrow = 2), so the discordant
    // cells are 150 and 86. R prints McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05 with the
    // continuity correction, 17.356 and 3.099e-05 without; pchisq gives the p-values as 4.114562e-05 and 3.099293e-05.
    [Fact]
    public void Compare_MatchesRsMcNemarTest_WithContinuityCorrection()
    {
        var result = McNemarTest.Compare(150, 86);

        Assert.Equal(16.818, result.Statistic, 5e-4);
        Assert.Equal(1, result.DegreesOfFreedom);
        Assert.Equal(4.114562e-05, result.PValue, 5e-12);
    }

    [Fact]
    public void Compare_MatchesRsMcNemarTest_WithoutContinuityCorrection()
    {
        var result = McNemarTest.Compare(150, 86, continuityCorrection: false);

        // By hand: (150 − 86)² / 236 = 4096 / 236 = 17.35593.
        Assert.Equal(4096.0 / 236, result.Statistic, 1e-12);
        Assert.Equal(17.356, result.Statistic, 5e-4);
        Assert.Equal(3.099293e-05, result.PValue, 5e-12);
    }

    [Fact]
    public void Compare_DoesNotDependOnWhichArmIsWhich()
    {
        Assert.Equal(McNemarTest.Compare(150, 86), McNemarTest.Compare(86, 150));
    }

    [Fact]
    public void Compare_WithoutDiscordantPairs_ShowsNoEvidence()
    {
        Assert.Equal(new ChiSquareResult(0, 1, 1), McNemarTest.Compare(0, 0));
    }

    [Fact]
    public void Compare_RefusesNegativeCounts()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => McNemarTest.Compare(-1, 3));
    }
}
