using ModelConsole.Core.Costs;

namespace ModelConsole.Core.Tests.Costs;

public class PlannerCostTests
{
    [Fact]
    public void ShadowCost_AddsTheMirroredCallsToTheActiveBill()
    {
        // 100 000 requests/day, 10 % mirrored: 10 000 shadow calls at $0.002 = $20/day on top of 100 000 at $0.001.
        var cost = ShadowCost.Estimate(new ShadowCostRequest(100_000, 10, 7, ShadowCostPerCallUsd: 0.002, ActiveCostPerCallUsd: 0.001));

        Assert.Equal(10_000, cost.ShadowCallsPerDay, 1e-9);
        Assert.Equal(20, cost.ShadowCostPerDay, 1e-12);
        Assert.Equal(100, cost.ActiveCostPerDay!.Value, 1e-12);
        Assert.Equal(120, cost.TotalCostPerDay!.Value, 1e-12);
        Assert.Equal(140, cost.ShadowCostTotal, 1e-12);
        Assert.Equal(840, cost.TotalCostTotal!.Value, 1e-12);
    }

    [Fact]
    public void ShadowCost_DoublesTheBillOnlyAtFullMirroringAndEqualCost()
    {
        var full = ShadowCost.Estimate(new ShadowCostRequest(5_000, 100, 1, 0.004, 0.004));
        var half = ShadowCost.Estimate(new ShadowCostRequest(5_000, 50, 1, 0.004, 0.004));

        Assert.Equal(2 * full.ActiveCostPerDay!.Value, full.TotalCostPerDay!.Value, 1e-12);
        Assert.Equal(1.5 * half.ActiveCostPerDay!.Value, half.TotalCostPerDay!.Value, 1e-12);
    }

    [Fact]
    public void ShadowCost_WithoutTheActiveCost_LeavesTheBillUnknown()
    {
        var cost = ShadowCost.Estimate(new ShadowCostRequest(1_000, 25, 3, 0.01));

        Assert.Equal(2.5, cost.ShadowCostPerDay, 1e-12);
        Assert.Equal(7.5, cost.ShadowCostTotal, 1e-12);
        Assert.Null(cost.ActiveCostPerDay);
        Assert.Null(cost.TotalCostPerDay);
        Assert.Null(cost.TotalCostTotal);
    }

    [Theory]
    [InlineData(-1, 10, 1, 0.01)]
    [InlineData(1000, 0, 1, 0.01)]
    [InlineData(1000, 101, 1, 0.01)]
    [InlineData(1000, 10, -1, 0.01)]
    [InlineData(1000, 10, 1, -0.01)]
    public void ShadowCost_RefusesOutOfRangeInputs(double requestsPerDay, double mirrorPercent, double days, double costPerCall)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            ShadowCost.Estimate(new ShadowCostRequest(requestsPerDay, mirrorPercent, days, costPerCall)));
    }

    [Fact]
    public void CanaryCost_IsTheCostDifferenceOnTheCanarysShare()
    {
        // 100 000/day × 5 % = 5 000 calls, each $0.001 dearer: +$5/day, $70 over 14 days.
        var cost = CanaryCost.Estimate(new CanaryCostRequest(100_000, 5, 14, CandidateCostPerCallUsd: 0.003, ActiveCostPerCallUsd: 0.002));

        Assert.Equal(5_000, cost.CanaryCallsPerDay, 1e-9);
        Assert.Equal(5, cost.ChangePerDay, 1e-12);
        Assert.Equal(70, cost.ChangeTotal, 1e-12);
    }

    [Fact]
    public void CanaryCost_OfACheaperCandidate_IsASaving()
    {
        var cost = CanaryCost.Estimate(new CanaryCostRequest(10_000, 20, 1, 0.001, 0.0015));

        Assert.Equal(-1, cost.ChangePerDay, 1e-12);
    }

    [Fact]
    public void Duration_OfAShadow_CountsEachMirroredRequestAsAPair()
    {
        // 77 pairs at 1 000 requests/day mirrored at 10 %: 77 / 100 = 0.77 days.
        Assert.Equal(0.77, StudyDuration.Days(new DurationRequest(77, 1_000, MirrorPercent: 10)), 1e-12);
    }

    [Fact]
    public void Duration_OfASplit_WaitsForTheSlowerArm()
    {
        // 1 000 per arm at 10 000/day with 5 % to B: A fills in 1000/9500 days, B in 1000/500 = 2 days.
        Assert.Equal(2, StudyDuration.Days(new DurationRequest(1_000, 10_000, SharePercent: 5)), 1e-12);

        // 50 % to B: both arms fill at the same rate.
        Assert.Equal(0.2, StudyDuration.Days(new DurationRequest(1_000, 10_000, SharePercent: 50)), 1e-12);
    }

    [Fact]
    public void Duration_OfASplitPlannedWithTheMatchingRatio_FillsBothArmsTogether()
    {
        // A plan with k = share/(1 − share) = 1/19 fits a 5 % canary: neither arm waits for the other.
        const double perArmA = 37_245;
        const double perArmB = perArmA / 19;
        var days = StudyDuration.Days(new DurationRequest(perArmA, 50_000, SharePercent: 5, PerArmB: perArmB));

        Assert.Equal(perArmA / (50_000 * 0.95), days, 1e-9);
        Assert.Equal(perArmB / (50_000 * 0.05), days, 1e-9);
    }

    [Fact]
    public void Duration_NeedsExactlyOneOfMirrorOrShare()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => StudyDuration.Days(new DurationRequest(100, 1_000)));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => StudyDuration.Days(new DurationRequest(100, 1_000, 10, 5)));
    }

    [Theory]
    [InlineData(100, 0, 10)]
    [InlineData(-5, 1_000, 10)]
    [InlineData(100, 1_000, 0)]
    [InlineData(100, 1_000, 150)]
    public void Duration_RefusesOutOfRangeInputs(double perArm, double requestsPerDay, double mirrorPercent)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() =>
            StudyDuration.Days(new DurationRequest(perArm, requestsPerDay, MirrorPercent: mirrorPercent)));
    }

    [Fact]
    public void Duration_OfASplit_RefusesAHundredPercentShare()
    {
        // Arm A would get no traffic and never fill.
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => StudyDuration.Days(new DurationRequest(100, 1_000, SharePercent: 100)));
    }
}
