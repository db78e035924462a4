using ModelConsole.Web.Components.Pages;

namespace ModelConsole.Web.Tests.Components;

/// <summary>The planner page's logic: validation in plain words, the numbers, the shareable link and the CSV.</summary>
public class PlannerModelTests
{
    private static PlannerInputs Reference() => new()
    {
        Metric = "proportion", Baseline = 0.5, Mde = 0.25, MdeType = "absolute", Alpha = 0.05, Power = 0.9, Sides = 2, Inflation = 1,
        RequestsPerDay = 1000, MirrorPercent = 10, ShadowCostPerCallUsd = 0.01, ActiveCostPerCallUsd = 0.005,
    };

    [Fact]
    public void ThePlan_IsRsPowerPropTest_ThenDaysAndMoneyAtTheMirroredTraffic()
    {
        var outcome = PlannerModel.Compute(Reference());
        Assert.True(outcome.IsValid);
        Assert.Equal(76.7069, outcome.Plan!.PerArm, 4); // power.prop.test(p1 = .5, p2 = .75, power = .9)
        Assert.Equal(0.77, outcome.Days!.Value, 12); // 77 pairs at 100 mirrored requests a day
        Assert.Equal(0.77, outcome.Cost!.ShadowCostTotal, 12);
        Assert.Equal(6, outcome.Cost.TotalCostPerDay!.Value, 12); // $5 active + $1 shadow a day
        Assert.True(outcome.PowerCurve.Zip(outcome.PowerCurve.Skip(1)).All(p => p.Second.Y > p.First.Y), "power rises with n");
        Assert.True(outcome.CostCurve.Zip(outcome.CostCurve.Skip(1)).All(p => p.Second.Y < p.First.Y), "cost falls as the effect grows");
    }

    [Theory]
    [InlineData("alpha", 0.0)]
    [InlineData("alpha", 1.0)]
    [InlineData("power", 1.5)]
    [InlineData("mde", 0.0)]
    [InlineData("mde", -0.1)]
    [InlineData("baseline", 1.2)]
    [InlineData("inflation", 0.9)]
    [InlineData("requestsPerDay", -5.0)]
    [InlineData("mirrorPercent", 0.0)]
    [InlineData("mirrorPercent", 101.0)]
    [InlineData("shadowCostPerCallUsd", -0.01)]
    public void ABadValue_IsNamedOnItsField_AndThereIsNoPlan(string field, double value)
    {
        var inputs = Reference();
        switch (field)
        {
            case "alpha": inputs.Alpha = value; break;
            case "power": inputs.Power = value; break;
            case "mde": inputs.Mde = value; break;
            case "baseline": inputs.Baseline = value; break;
            case "inflation": inputs.Inflation = value; break;
            case "requestsPerDay": inputs.RequestsPerDay = value; break;
            case "mirrorPercent": inputs.MirrorPercent = value; break;
            case "shadowCostPerCallUsd": inputs.ShadowCostPerCallUsd = value; break;
        }

        var outcome = PlannerModel.Compute(inputs);
        Assert.False(outcome.IsValid);
        Assert.True(outcome.Errors.ContainsKey(field), string.Join("; ", outcome.Errors));
        Assert.Null(outcome.Plan);
    }

    [Fact]
    public void AMean_NeedsItsStandardDeviation_AndAnEffectBeyondTheRateIsRefused()
    {
        var mean = Reference();
        mean.Metric = "mean";
        Assert.True(PlannerModel.Compute(mean).Errors.ContainsKey("stdDev"));
        mean.StdDev = 1;
        mean.Baseline = 2;
        mean.Mde = 1;
        Assert.Equal(22.02110, PlannerModel.Compute(mean).Plan!.PerArm, 4); // power.t.test(power = .90, delta = 1)

        var beyond = Reference();
        beyond.Baseline = 0.9; // 0.9 + 0.25 is not a rate
        Assert.True(PlannerModel.Compute(beyond).Errors.ContainsKey("mde"));
    }

    [Fact]
    public void TheLink_ReopensTheSamePlan_AndJunkInItKeepsDefaults()
    {
        var inputs = Reference();
        inputs.Family = "support-agent";
        var reopened = PlannerInputs.FromQuery(inputs.ToQuery());
        Assert.Equal(inputs.ToQuery(), reopened.ToQuery());

        var junk = PlannerInputs.FromQuery(new Dictionary<string, string?> { ["power"] = "lots", ["mirror"] = "NaN", ["metric"] = "median" });
        Assert.Equal((0.8, 10.0, "proportion"), (junk.Power, junk.MirrorPercent, junk.Metric));
    }

    [Fact]
    public void TheCsv_HoldsThePagesNumbers_AndDefusesFormulas()
    {
        var inputs = Reference();
        inputs.Family = "=HYPERLINK(\"http://evil\")";
        var csv = PlannerModel.ToCsv(inputs, PlannerModel.Compute(inputs));
        Assert.Contains("plan,perArm,77", csv, StringComparison.Ordinal);
        Assert.Contains("plan,totalBillPerDayUsd,6", csv, StringComparison.Ordinal);
        Assert.Contains("input,family,\"'=HYPERLINK(\"\"http://evil\"\")\"", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("\n=", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(",=", csv, StringComparison.Ordinal);
    }
}
