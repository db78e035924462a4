using MathNet.Numerics.Distributions;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class ProportionPowerTests
{
    // R's ?power.prop.test examples. The n = 76.7069 output is also the closed form by hand:
    // ((z.975·√(2·.625·.375) + z.9·√(.25 + .1875)) / .25)² = ((1.959964·0.684653 + 1.281552·0.661438) / .25)² = 76.70693.
    [Fact]
    public void PowerPropTest_MatchesRReferenceExample_Power()
    {
        Assert.Equal(0.7401659, ProportionPower.Power(0.5, 0.75, 50, 0.05), 5e-8);
    }

    [Fact]
    public void PowerPropTest_MatchesRReferenceExample_SampleSize()
    {
        Assert.Equal(76.7069, ProportionPower.SampleSize(0.5, 0.75, 0.05, 0.9), 5e-5);
    }

    [Fact]
    public void PowerPropTest_MatchesRReferenceExample_MinimumDetectableP2()
    {
        // R prints p2 = 0.8026141, but its uniroot stops at tol = eps^0.25 ≈ 1.2e-4: the exact root of the same
        // equation is 0.8026306, where the power is 0.9 exactly (at R's p2 it is 0.89996). Four digits agree.
        var p2 = ProportionPower.MinimumDetectable(0.5, 50, 0.05, 0.9);

        Assert.NotNull(p2);
        Assert.Equal(0.8026141, p2.Value, 5e-5);
        Assert.Equal(0.9, ProportionPower.Power(0.5, p2.Value, 50, 0.05), 1e-10);
    }

    [Fact]
    public void OneSided_UsesTheWholeAlphaInOneTail()
    {
        // By hand: z.95 = 1.644854; ((1.644854·0.684653 + 1.281552·0.661438) / .25)² = 62.3355.
        Assert.Equal(62.3355, ProportionPower.SampleSize(0.5, 0.75, 0.05, 0.9, Sides.One), 5e-4);
    }

    [Fact]
    public void UnequalAllocation_FollowsTheDesignFormula()
    {
        // DESIGN.md with a 5 % canary, k = 1/19, p1 = 0.10, p2 = 0.12, two-sided α = 0.05, power 0.8:
        // p̄ = (0.10 + 0.12/19)/(20/19) = 0.101; √(p̄q̄·20) = √(0.101·0.899·20) = 1.347583;
        // √(0.09 + 0.1056·19) = √2.0964 = 1.447895; nA = ((1.959964·1.347583 + 0.841621·1.447895)/0.02)² = 37 245.0.
        var n = ProportionPower.SampleSize(0.10, 0.12, 0.05, 0.8, Sides.Two, 1.0 / 19);

        Assert.Equal(37_245.0, n, 37_245.0 * 1e-5);
    }

    [Fact]
    public void RatioOne_IsTheEqualAllocationAnswer()
    {
        Assert.Equal(ProportionPower.SampleSize(0.2, 0.26, 0.01, 0.85), ProportionPower.SampleSize(0.2, 0.26, 0.01, 0.85, Sides.Two, 1));
        Assert.Equal(ProportionPower.Power(0.2, 0.26, 400, 0.01), ProportionPower.Power(0.2, 0.26, 400, 0.01, Sides.Two, 1));
    }

    [Theory]
    [InlineData(0.5, 0.75, 1.0)]
    [InlineData(0.02, 0.025, 1.0)]
    [InlineData(0.10, 0.12, 0.05263157894736842)]
    [InlineData(0.30, 0.22, 3.0)]
    public void SampleSize_GivesBackThePowerItWasAskedFor(double p1, double p2, double ratio)
    {
        var n = ProportionPower.SampleSize(p1, p2, 0.05, 0.8, Sides.Two, ratio);

        Assert.Equal(0.8, ProportionPower.Power(p1, p2, n, 0.05, Sides.Two, ratio), 1e-10);
    }

    [Fact]
    public void Power_RisesWithN()
    {
        var previous = 0.0;
        foreach (var n in new[] { 10.0, 30, 100, 300, 1000, 3000 })
        {
            var power = ProportionPower.Power(0.1, 0.13, n, 0.05);
            Assert.True(power > previous, $"power at n = {n} is {power}, not above {previous}");
            previous = power;
        }
    }

    [Fact]
    public void SampleSize_FallsAsTheEffectGrows()
    {
        var previous = double.PositiveInfinity;
        foreach (var p2 in new[] { 0.105, 0.11, 0.12, 0.15, 0.2, 0.3 })
        {
            var n = ProportionPower.SampleSize(0.1, p2, 0.05, 0.8);
            Assert.True(n < previous, $"n for p2 = {p2} is {n}, not below {previous}");
            previous = n;
        }
    }

    [Fact]
    public void MinimumDetectable_AtThePlannedN_GivesBackTheEffect()
    {
        var n = ProportionPower.SampleSize(0.04, 0.05, 0.05, 0.8, Sides.One, 0.25);

        Assert.Equal(0.05, ProportionPower.MinimumDetectable(0.04, n, 0.05, 0.8, Sides.One, 0.25)!.Value, 1e-9);
    }

    [Fact]
    public void MinimumDetectable_Decrease_MirrorsIncreaseAroundAHalf()
    {
        // p ↦ 1 − p leaves the test unchanged at k = 1, so from p1 = 0.5 the drop equals the rise.
        var up = ProportionPower.MinimumDetectable(0.5, 50, 0.05, 0.9)!.Value;
        var down = ProportionPower.MinimumDetectable(0.5, 50, 0.05, 0.9, Sides.Two, 1, EffectDirection.Decrease)!.Value;

        Assert.Equal(1 - up, down, 1e-10);
    }

    [Fact]
    public void MinimumDetectable_IsNullWhenEvenACertainOutcomeIsNotDetectable()
    {
        // R's ?power.prop.test: from p1 = 0.9, detecting p2 = 1 with power 0.8 needs at least 74 per group, so 30 cannot.
        Assert.Null(ProportionPower.MinimumDetectable(0.9, 30, 0.05, 0.8));
        Assert.NotNull(ProportionPower.MinimumDetectable(0.9, 80, 0.05, 0.8));
    }

    [Fact]
    public void Power_WhenTheProportionsAreEqual_IsRefused()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ProportionPower.Power(0.3, 0.3, 100, 0.05));
    }

    [Theory]
    [InlineData(0.0, 0.8, 2, 1.0)]
    [InlineData(1.0, 0.8, 2, 1.0)]
    [InlineData(double.NaN, 0.8, 2, 1.0)]
    [InlineData(0.05, 1.0, 2, 1.0)]
    [InlineData(0.05, 0.0, 2, 1.0)]
    [InlineData(0.05, 0.8, 3, 1.0)]
    [InlineData(0.05, 0.8, 2, 0.0)]
    [InlineData(0.05, 0.8, 2, -1.0)]
    [InlineData(0.05, 0.02, 2, 1.0)] // power below α/2 needs no samples at all
    public void SampleSize_RefusesInvalidDesigns(double alpha, double power, int sides, double ratio)
    {
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ProportionPower.SampleSize(0.1, 0.2, alpha, power, (Sides)sides, ratio));
        Assert.False(string.IsNullOrWhiteSpace(error.ParamName));
    }

    [Theory]
    [InlineData(-0.1, 0.2)]
    [InlineData(0.1, 1.2)]
    [InlineData(double.NaN, 0.2)]
    public void SampleSize_RefusesValuesThatAreNotProportions(double p1, double p2)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => ProportionPower.SampleSize(p1, p2, 0.05, 0.8));
    }

    [Fact]
    public void CriticalValues_AreTheTextbookOnes()
    {
        // The z quantiles the formulas rest on: 1.959964 (two-sided 5 %), 1.644854 (one-sided 5 %), 1.281552 (90 %).
        Assert.Equal(1.959963984540054, -Normal.InvCDF(0, 1, 0.025), 1e-12);
        Assert.Equal(1.6448536269514722, -Normal.InvCDF(0, 1, 0.05), 1e-12);
        Assert.Equal(1.2815515655446004, Normal.InvCDF(0, 1, 0.9), 1e-12);
    }
}
