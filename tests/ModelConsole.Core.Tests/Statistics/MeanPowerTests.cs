using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class MeanPowerTests
{
    // R's ?power.t.test examples (sd = 1, sig.level = 0.05, two.sample, strict = FALSE).
    [Fact]
    public void PowerTTest_MatchesRReferenceExample_Power()
    {
        Assert.Equal(0.8689528, MeanPower.Power(1, 1, 20, 0.05), 5e-8);
    }

    [Fact]
    public void PowerTTest_MatchesRReferenceExample_SampleSize()
    {
        Assert.Equal(22.02110, MeanPower.SampleSize(1, 1, 0.05, 0.9), 1e-4);
    }

    [Fact]
    public void PowerTTest_MatchesRReferenceExample_OneSidedSampleSize()
    {
        Assert.Equal(17.84713, MeanPower.SampleSize(1, 1, 0.05, 0.9, Sides.One), 1e-4);
    }

    [Fact]
    public void PowerTTest_MatchesRsOutputForPowerPointEight()
    {
        // power.t.test(power = 0.80, delta = 1) prints n = 16.71477.
        Assert.Equal(16.71477, MeanPower.SampleSize(1, 1, 0.05, 0.8), 1e-4);
    }

    [Fact]
    public void UnequalArms_MatchPwrT2nTest()
    {
        // pwr.t2n.test(d = 0.6, n1 = 90, n2 = 60, alternative = "greater") (Cohen 1988, exercise 2.3) prints power
        // 0.9737262: the same noncentral t with ν = n1 + n2 − 2 and ncp = d/√(1/n1 + 1/n2); here k = 60/90.
        Assert.Equal(0.9737262, MeanPower.Power(0.6, 1, 90, 0.05, Sides.One, 60.0 / 90), 5e-8);
    }

    [Fact]
    public void MinimumDetectable_InvertsRsPowerExample()
    {
        // power.t.test(n = 20, delta = 1) has power 0.8689528, so 20 per arm detect δ = 1 at that power.
        Assert.Equal(1.0, MeanPower.MinimumDetectable(1, 20, 0.05, 0.8689528), 1e-6);
    }

    [Fact]
    public void Delta_ScalesWithTheStandardDeviation()
    {
        Assert.Equal(MeanPower.Power(1, 1, 20, 0.05), MeanPower.Power(2.5, 2.5, 20, 0.05), 1e-12);
        Assert.Equal(MeanPower.MinimumDetectable(1, 35, 0.05, 0.8) * 4, MeanPower.MinimumDetectable(4, 35, 0.05, 0.8), 1e-9);
    }

    [Fact]
    public void Power_IgnoresTheSignOfDelta()
    {
        Assert.Equal(MeanPower.Power(0.7, 1, 30, 0.05), MeanPower.Power(-0.7, 1, 30, 0.05));
    }

    [Fact]
    public void RatioOne_IsTheEqualAllocationAnswer()
    {
        Assert.Equal(MeanPower.SampleSize(0.4, 1.3, 0.05, 0.8), MeanPower.SampleSize(0.4, 1.3, 0.05, 0.8, Sides.Two, 1));
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.2, 1.0)]
    [InlineData(0.2, 0.05263157894736842)]
    [InlineData(0.5, 4.0)]
    public void SampleSize_GivesBackThePowerItWasAskedFor(double delta, double ratio)
    {
        var n = MeanPower.SampleSize(delta, 1, 0.05, 0.85, Sides.Two, ratio);

        Assert.Equal(0.85, MeanPower.Power(delta, 1, n, 0.05, Sides.Two, ratio), 1e-9);
    }

    [Fact]
    public void MinimumDetectable_AtThePlannedN_GivesBackTheEffect()
    {
        var n = MeanPower.SampleSize(0.3, 1.7, 0.01, 0.9, Sides.One, 0.5);

        Assert.Equal(0.3, MeanPower.MinimumDetectable(1.7, n, 0.01, 0.9, Sides.One, 0.5), 1e-8);
    }

    [Fact]
    public void Power_RisesWithN()
    {
        var previous = 0.0;
        foreach (var n in new[] { 2.0, 5, 10, 20, 50, 100, 200 })
        {
            var power = MeanPower.Power(0.5, 1, n, 0.05);
            Assert.True(power > previous, $"power at n = {n} is {power}, not above {previous}");
            previous = power;
        }
    }

    [Fact]
    public void SampleSize_FallsAsTheEffectGrows()
    {
        var previous = double.PositiveInfinity;
        foreach (var delta in new[] { 0.05, 0.1, 0.2, 0.5, 1, 2 })
        {
            var n = MeanPower.SampleSize(delta, 1, 0.05, 0.8);
            Assert.True(n < previous, $"n for δ = {delta} is {n}, not below {previous}");
            previous = n;
        }
    }

    [Theory]
    [InlineData(0.01)] // ν ≈ 314 000: the noncentral t series
    [InlineData(0.008)] // ν ≈ 490 000: R's normal approximation of the noncentral t
    public void SampleSize_ForSmallEffects_ApproachesTheNormalFormulaFromAbove(double delta)
    {
        // Textbook normal approximation: n = 2(z_{α/2} + z_β)²σ²/δ²; the t-test needs slightly more.
        var z = 1.959963984540054 + 0.8416212335729143;
        var normal = 2 * z * z / (delta * delta);

        var n = MeanPower.SampleSize(delta, 1, 0.05, 0.8);

        Assert.InRange(n - normal, 0, 2);
    }

    [Fact]
    public void SampleSize_ForAHugeEffect_IsTheSmallestTestableSize()
    {
        // δ = 100σ: even one degree of freedom between the arms reaches the power.
        Assert.Equal(1.5, MeanPower.SampleSize(100, 1, 0.05, 0.8));
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.05, 0.8)]
    [InlineData(1.0, 0.0, 0.05, 0.8)]
    [InlineData(1.0, -1.0, 0.05, 0.8)]
    [InlineData(1.0, 1.0, 1.5, 0.8)]
    [InlineData(1.0, 1.0, 0.05, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0, 0.05, 0.8)]
    public void SampleSize_RefusesInvalidArguments(double delta, double stdDev, double alpha, double power)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => MeanPower.SampleSize(delta, stdDev, alpha, power));
    }

    [Fact]
    public void Power_WithTooFewSamplesForAnyDegreeOfFreedom_IsRefused()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => MeanPower.Power(1, 1, 1, 0.05));
    }
}
