using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class SampleSizePlannerTests
{
    private static readonly SampleSizeRequest RsProportionExample =
        new(PlannedMetric.Proportion, Baseline: 0.5, Mde: 0.25, MdeType.Absolute, Alpha: 0.05, Power: 0.9);

    private static readonly SampleSizeRequest RsMeanExample =
        new(PlannedMetric.Mean, Baseline: 10, Mde: 1, MdeType.Absolute, Alpha: 0.05, Power: 0.9, StdDev: 1);

    [Fact]
    public void TheSequentialSize_IsWhereOneLookAtTheAlwaysValidIntervalHasThePlannedPower()
    {
        // 5 % → 6 %, α 0.05, power 0.8: the fixed plan is R's 8,157.7 per arm. Worked by hand (DESIGN.md's sequence,
        // tuned at the fixed total): one look has 80 % power at 1.938 times that size.
        var plan = SampleSizePlanner.Plan(new SampleSizeRequest(PlannedMetric.Proportion, 0.05, 0.01, MdeType.Absolute, 0.05, 0.8));
        var sequential = plan.Sequential!;
        Assert.Equal(1.938, sequential.Ratio, 2e-3);
        Assert.Equal(Math.Ceiling(sequential.PerArm), sequential.PerArmCeiling);
        Assert.Equal(sequential.PerArmCeiling * 2, sequential.Total);

        // The power of one look at that size, written out again here: Φ((δ − h(n)) / SE).
        static double Power(double perArm, double tuning)
        {
            var se = Math.Sqrt(0.05 * 0.95 / perArm + 0.06 * 0.94 / perArm);
            var n = 2 * perArm;
            var rho2 = (-2 * Math.Log(0.05) + Math.Log(1 - 2 * Math.Log(0.05))) / tuning;
            var grown = n * rho2 + 1;
            var h = se * Math.Sqrt(n) * Math.Sqrt(2 * grown * Math.Log(Math.Sqrt(grown) / 0.05)) / (n * Math.Sqrt(rho2));
            return MathNet.Numerics.Distributions.Normal.CDF(0, 1, (0.01 - h) / se);
        }

        Assert.Equal(0.8, Power(sequential.PerArm, 2 * plan.PerArm), 1e-3);
        Assert.True(Power(sequential.PerArm * 0.98, 2 * plan.PerArm) < 0.8);
        Assert.True(Power(plan.PerArm, 2 * plan.PerArm) < 0.5); // the fixed size is far too small for always-valid reading
    }

    [Fact]
    public void Plan_Proportion_MatchesPowerPropTest()
    {
        // power.prop.test(p1 = .5, p2 = .75, power = .9): n = 76.7069 per group.
        var plan = SampleSizePlanner.Plan(RsProportionExample);

        Assert.Equal(76.7069, plan.PerArm, 5e-5);
        Assert.Equal(77, plan.PerArmCeiling);
        Assert.Equal(77, plan.PerArmB);
        Assert.Equal(154, plan.Total);
        Assert.Equal(0.25, plan.EffectAbsolute);
        Assert.Contains("power.prop.test", plan.Method);
        Assert.Contains("two-sided", plan.Method);
    }

    [Fact]
    public void Plan_Mean_MatchesPowerTTest()
    {
        // power.t.test(power = .9, delta = 1): n = 22.02110 per group.
        var plan = SampleSizePlanner.Plan(RsMeanExample);

        Assert.Equal(22.02110, plan.PerArm, 1e-4);
        Assert.Equal(23, plan.PerArmCeiling);
        Assert.Equal(46, plan.Total);
        Assert.Contains("noncentral t", plan.Method);
    }

    [Fact]
    public void Plan_RelativeMde_IsAFractionOfTheBaseline()
    {
        var relative = SampleSizePlanner.Plan(RsProportionExample with { Mde = 0.5, MdeType = MdeType.Relative });
        var meanRelative = SampleSizePlanner.Plan(RsMeanExample with { Mde = 0.1, MdeType = MdeType.Relative });

        Assert.Equal(0.25, relative.EffectAbsolute, 1e-15);
        Assert.Equal(SampleSizePlanner.Plan(RsProportionExample).PerArm, relative.PerArm, 1e-9);
        Assert.Equal(1, meanRelative.EffectAbsolute, 1e-14);
        Assert.Equal(22.02110, meanRelative.PerArm, 1e-4);
    }

    [Fact]
    public void Plan_NegativeProportionMde_PlansForADrop()
    {
        // At k = 1 the formula is symmetric in p1 and p2: a drop from .75 to .5 needs what a rise from .5 to .75 does.
        var drop = SampleSizePlanner.Plan(RsProportionExample with { Baseline = 0.75, Mde = -0.25 });

        Assert.Equal(-0.25, drop.EffectAbsolute);
        Assert.Equal(76.7069, drop.PerArm, 5e-5);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(1.25)]
    [InlineData(2.0)]
    [InlineData(3.7)]
    public void Plan_Inflation_MultipliesTheSampleSizeExactly(double inflation)
    {
        foreach (var request in new[] { RsProportionExample, RsMeanExample })
        {
            var plain = SampleSizePlanner.Plan(request).PerArm;
            var inflated = SampleSizePlanner.Plan(request with { Inflation = inflation }).PerArm;

            Assert.Equal(plain * inflation, inflated, plain * inflation * 1e-12);
        }
    }

    [Fact]
    public void Plan_UnequalAllocation_SizesArmBByTheRatio()
    {
        var canary = SampleSizePlanner.Plan(new SampleSizeRequest(
            PlannedMetric.Proportion, 0.10, 0.02, MdeType.Absolute, 0.05, 0.8, Ratio: 1.0 / 19));

        // nA = 37 245.0 by hand (ProportionPowerTests.UnequalAllocation_FollowsTheDesignFormula).
        Assert.Equal(37_245.0, canary.PerArm, 0.05);
        Assert.Equal((long)Math.Ceiling(canary.PerArm), canary.PerArmCeiling);
        Assert.Equal((long)Math.Ceiling(canary.PerArm / 19), canary.PerArmB);
        Assert.Equal(canary.PerArmCeiling + canary.PerArmB, canary.Total);
        Assert.Contains("k = 0.0526316", canary.Method);
    }

    [Fact]
    public void Plan_RatioOne_IsTheEqualAllocationAnswer()
    {
        Assert.Equal(SampleSizePlanner.Plan(RsMeanExample), SampleSizePlanner.Plan(RsMeanExample with { Ratio = 1 }));
    }

    [Fact]
    public void Plan_OneSided_NamesItAndNeedsFewerSamples()
    {
        var plan = SampleSizePlanner.Plan(RsMeanExample with { Sides = Sides.One });

        Assert.Equal(17.84713, plan.PerArm, 1e-4);
        Assert.Contains("one-sided", plan.Method);
    }

    [Fact]
    public void PowerAt_ThePlannedSize_IsTheRequestedPower()
    {
        foreach (var request in new[] { RsProportionExample, RsMeanExample with { Inflation = 1.4, Ratio = 0.5 } })
        {
            var plan = SampleSizePlanner.Plan(request);

            Assert.Equal(request.Power, SampleSizePlanner.PowerAt(request, plan.PerArm), 1e-9);
        }
    }

    [Fact]
    public void PowerAt_MatchesPowerPropTest()
    {
        // power.prop.test(n = 50, p1 = .5, p2 = .75): power = 0.7401659.
        Assert.Equal(0.7401659, SampleSizePlanner.PowerAt(RsProportionExample, 50), 5e-8);
    }

    [Fact]
    public void MinimumDetectableEffect_AtThePlannedSize_GivesBackTheMde()
    {
        var request = new SampleSizeRequest(PlannedMetric.Proportion, 0.04, -0.25, MdeType.Relative, 0.05, 0.8, Inflation: 1.3, Ratio: 0.25);
        var plan = SampleSizePlanner.Plan(request);

        var effect = SampleSizePlanner.MinimumDetectableEffect(request, plan.PerArm);

        Assert.NotNull(effect);
        Assert.Equal(-0.01, effect.Absolute, 1e-10);
        Assert.Equal(-0.25, effect.Relative!.Value, 1e-8);
    }

    [Fact]
    public void MinimumDetectableEffect_MatchesPowerPropTestsP2()
    {
        // power.prop.test(n = 50, p1 = .5, power = .9): p2 = 0.8026141 (R's root search stops at tol ≈ 1.2e-4).
        var effect = SampleSizePlanner.MinimumDetectableEffect(RsProportionExample, 50);

        Assert.Equal(0.8026141 - 0.5, effect!.Absolute, 5e-5);
    }

    [Fact]
    public void MinimumDetectableEffect_OfAMean_IsInTheMetricsUnits()
    {
        var effect = SampleSizePlanner.MinimumDetectableEffect(RsMeanExample with { StdDev = 3 }, 20);

        // power.t.test(n = 20, delta = 1) has power 0.8689528 < 0.9, so the MDE at power 0.9 is above 1·σ = 3.
        Assert.NotNull(effect);
        Assert.InRange(effect.Absolute, 3, 4);
        Assert.Equal(effect.Absolute / 10, effect.Relative!.Value, 1e-15);
    }

    [Fact]
    public void Plan_MeanWithoutStdDev_IsRefusedNamingTheField()
    {
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => SampleSizePlanner.Plan(RsMeanExample with { StdDev = null }));

        Assert.Equal("stdDev", error.ParamName);
    }

    [Theory]
    [InlineData(0.9, 0.2, "mde")] // arm B's rate would be 1.1
    [InlineData(0.1, -0.2, "mde")]
    [InlineData(0.5, 0.0, "mde")]
    [InlineData(1.5, 0.1, "baseline")]
    public void Plan_ProportionOutsideZeroToOne_IsRefusedNamingTheField(double baseline, double mde, string field)
    {
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            SampleSizePlanner.Plan(RsProportionExample with { Baseline = baseline, Mde = mde }));

        Assert.Equal(field, error.ParamName);
    }

    [Fact]
    public void Plan_RelativeMdeOnAZeroBaseline_IsRefused()
    {
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            SampleSizePlanner.Plan(RsMeanExample with { Baseline = 0, MdeType = MdeType.Relative }));

        Assert.Equal("mde", error.ParamName);
        Assert.Contains("baseline", error.Message);
    }

    [Theory]
    [InlineData(0.0, 0.9, 1.0, 1.0)]
    [InlineData(1.0, 0.9, 1.0, 1.0)]
    [InlineData(0.05, 0.0, 1.0, 1.0)]
    [InlineData(0.05, 1.0, 1.0, 1.0)]
    [InlineData(0.05, 0.9, 0.5, 1.0)]
    [InlineData(0.05, 0.9, double.PositiveInfinity, 1.0)]
    [InlineData(0.05, 0.9, 1.0, 0.0)]
    public void Plan_RefusesAlphaPowerInflationOrRatioOutOfRange(double alpha, double power, double inflation, double ratio)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            SampleSizePlanner.Plan(RsMeanExample with { Alpha = alpha, Power = power, Inflation = inflation, Ratio = ratio }));
    }

    [Fact]
    public void Plan_AnEffectTooSmallToEverDetect_IsRefusedNamingTheMde()
    {
        var proportion = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => SampleSizePlanner.Plan(RsProportionExample with { Mde = 1e-9 }));
        var mean = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => SampleSizePlanner.Plan(RsMeanExample with { Mde = 1e-9 }));

        Assert.Equal("mde", proportion.ParamName);
        Assert.Equal("mde", mean.ParamName);
        Assert.Contains("too small", mean.Message);
    }
}
