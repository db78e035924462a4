using ModelConsole.Core.Experiments;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Dialogs;
using ModelConsole.Web.Components.Pages;

namespace ModelConsole.Web.Tests.Components;

/// <summary>The dialogs' and pages' view models: whatever a person types becomes a value or a named error, never an exception.</summary>
public sealed class ViewModelTests
{
    private static readonly FamilySummary Family = new("support", null, null, "support-v1", new CanaryInfo("support-v2", 5), null, null, "ok", 0, 3, 2);

    private static NewExperimentModel Experiment()
    {
        var model = new NewExperimentModel();
        model.Load([Family], "support");
        model.ChooseFamily("support", 100_000);
        model.ChooseMetric("qualityMean", 0.8123456, 0.2);
        return model;
    }

    [Fact]
    public void NewExperiment_WithEveryNumberCleared_HasNoPlan_AndNamesWhatIsMissing()
    {
        var model = Experiment();
        Assert.NotNull(model.Preview().Plan);
        Assert.Equal(0.8123, model.Baseline); // four significant digits, as a person retypes it

        (model.SplitBPercent, model.Baseline, model.StdDev, model.Mde, model.Alpha, model.Power) = (null, null, null, null, null, null);

        var (plan, problem) = model.Preview();
        Assert.Null(plan);
        Assert.NotNull(problem);
        Assert.Contains("splitBPercent", model.ErrorOf("splitBPercent"), StringComparison.Ordinal);
        Assert.Contains("mde", model.ErrorOf("mde"), StringComparison.Ordinal);
        Assert.Contains("alpha", model.ErrorOf("alpha"), StringComparison.Ordinal);
        Assert.Contains("power", model.ErrorOf("power"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-5, "splitBPercent")]
    [InlineData(1e9, "splitBPercent")]
    [InlineData(20.123, "splitBPercent")]
    [InlineData(double.NaN, "splitBPercent")]
    public void NewExperiment_ABadShare_IsNamed_NeverClamped(double split, string field)
    {
        var model = Experiment();
        model.SplitBPercent = split;
        Assert.Null(model.Preview().Plan);
        Assert.NotNull(model.ErrorOf(field));
        Assert.Equal(split, model.SplitBPercent); // kept as typed
    }

    [Fact]
    public void NewExperiment_AnEffectTooSmallToPlan_SaysSoInWords()
    {
        var model = Experiment();
        model.Mde = 1e-12;
        var (plan, problem) = model.Preview();
        Assert.Null(plan);
        Assert.Contains("too small to detect", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NewExperiment_DescribesThePlanAndItsDays()
    {
        var model = Experiment();
        var text = model.Describe(model.Preview().Plan!);
        Assert.StartsWith("Planned: ", text, StringComparison.Ordinal);
        Assert.Contains("calls/day that is about", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "Give a percent.")]
    [InlineData(0.0, "The percent is from 1 to 25.")]
    [InlineData(-5.0, "The percent is from 1 to 25.")]
    [InlineData(1e9, "The percent is from 1 to 25.")]
    [InlineData(5.555, "At most two decimals (the bucket resolution is 0.01 %).")]
    public void Confirm_ABadPercent_IsNamed_AndCannotBeConfirmed(double? percent, string error)
    {
        var model = new ConfirmModel { PercentLabel = "Canary percent (1–25)", PercentMin = 1, PercentMax = 25, Percent = percent };
        Assert.Equal(error, model.PercentError);
        Assert.False(model.CanConfirm);
        Assert.Equal(percent, model.Percent);
    }

    [Fact]
    public void Confirm_FailedGates_NeedAnOverride_AndAnOverrideNeedsAReason()
    {
        var model = new ConfirmModel { PercentLabel = "Canary percent", PercentMin = 1, PercentMax = 25, Percent = 5, Gates = [new Gate("samples", false, "200 of 5,000")] };
        Assert.False(model.CanConfirm);
        model.Override = true;
        Assert.True(model.CanConfirm);
        Assert.True(model.ReasonMissing);
        model.Reason = "  urgent fix  ";
        Assert.Equal(new PipelineConfirmation(5, "urgent fix", true), model.ToConfirmation());
    }

    [Fact]
    public void Conclude_StartsWithWhatTheDataSupports_AndNeedsAReason()
    {
        var model = new ConcludeModel();
        model.Start(Suggestion.ShipB);
        Assert.Equal(("shipB", true), (model.Decision, model.Open));
        Assert.False(model.Ready());
        Assert.NotNull(model.ReasonError);
        model.Reason = "B is better";
        Assert.True(model.Ready());
        model.Take(Outcome<int>.Conflict("Experiment x has already been concluded."));
        Assert.Equal("Experiment x has already been concluded.", model.Conflict);
        Assert.True(model.Open);
        model.Take(Outcome<int>.Ok(1));
        Assert.False(model.Open);
        model.Start(Suggestion.Wait);
        Assert.Null(model.Decision);
    }
}
