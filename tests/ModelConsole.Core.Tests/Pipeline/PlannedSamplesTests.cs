using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;

namespace ModelConsole.Core.Tests.Pipeline;

/// <summary>DESIGN.md "Pipeline rules": planned samples are the attached plan, else the largest minSamples among the family's rules.</summary>
public sealed class PlannedSamplesTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(null, new long[] { 200, 5_000, 50 }, 5_000)]
    [InlineData(300L, new long[] { 200, 5_000 }, 300)]
    [InlineData(null, new long[0], PipelineRules.DefaultMinSamples)]
    public void PlannedSamples_AreThePlanElseTheLargestMinSamples(long? attached, long[] minSamples, long expected) =>
        Assert.Equal(expected, PipelineRules.PlannedSamples(attached, minSamples));

    [Fact]
    public void AFamilyWhoseRulesAsk5000_RefusesShadowToCanaryAt200Samples_WithoutAnOverride()
    {
        var family = new FamilyState("agent", 3, [new("v1", Stage.Active, null, false, T0), new("v2", Stage.Shadow, 10, false, T0)]);
        var evidence = new Evidence(new Dictionary<string, BundleEvidence> { ["v2"] = new(200, 0) }, PipelineRules.PlannedSamples(null, [200, 5_000]));

        var refused = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5), new PipelineActor("rm", MayOverride: true), evidence);
        var overridden = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5, Reason: "urgent", Override: true), new PipelineActor("rm", MayOverride: true), evidence);

        Assert.Equal(PipelineFailure.GatesFailed, refused.Failure);
        Assert.Contains("200 of 5,000 planned samples", refused.Message, StringComparison.Ordinal);
        Assert.True(overridden.Succeeded);
    }

    [Fact]
    public void OnlyTheTwoPromotionsAreGated_AndTheCandidateIsTheCanaryElseTheShadow()
    {
        Assert.True(PipelineRules.IsGated(Stage.Shadow, Stage.Canary));
        Assert.True(PipelineRules.IsGated(Stage.Canary, Stage.Active));
        Assert.False(PipelineRules.IsGated(Stage.Canary, Stage.Canary));
        Assert.False(PipelineRules.IsGated(Stage.Staging, Stage.Shadow));
        Assert.False(PipelineRules.IsGated(Stage.Staging, Stage.Active));
        var both = new FamilyState("agent", 1, [new("s", Stage.Shadow, 10, false, T0), new("c", Stage.Canary, 5, false, T0), new("a", Stage.Active, null, false, T0)]);
        Assert.Equal("c", PipelineRules.Candidate(both)!.Name);
        Assert.Equal("s", PipelineRules.Candidate(both with { Bundles = both.Bundles.Where(b => b.Name != "c").ToList() })!.Name);
        Assert.Null(PipelineRules.Candidate(both with { Bundles = [both.Bundles[2]] }));
    }

    [Fact]
    public void AGuardedPromotion_MeetsTheSampleGate_OnlyWhenEveryGuardrailHolds_AndOnlyOutOfCanary()
    {
        var canary = new BundleState("v2", Stage.Canary, 5, false, T0, PlannedSamples: 50_000);
        Core.Thresholds.Guardrail Holds(long id) => new(id, true, $"rule {id}: a regression is at most +0.20 pp < +0.50 pp");
        Evidence With(params Core.Thresholds.Guardrail[] guardrails) => new(new Dictionary<string, BundleEvidence> { ["v2"] = new(4_000, 0, guardrails) }, 200);

        var guarded = PipelineRules.GatesFor(canary, With(Holds(1), Holds(2))).Single(g => g.Name == "samples");
        Assert.True(guarded.Passed);
        Assert.StartsWith("Guarded: 4,000 of 50,000 planned samples", guarded.Detail, StringComparison.Ordinal);
        Assert.Contains("rule 1: a regression is at most", guarded.Detail, StringComparison.Ordinal);

        Assert.False(PipelineRules.GatesFor(canary, With(Holds(1), new Core.Thresholds.Guardrail(2, false, "rule 2: 150 of 200 samples"))).Single(g => g.Name == "samples").Passed);
        Assert.False(PipelineRules.GatesFor(canary, With()).Single(g => g.Name == "samples").Passed); // no sequential rule: the plan it is
        // A shadow's gate (SHADOW → CANARY) is the plan's samples still.
        Assert.False(PipelineRules.GatesFor(canary with { Stage = Stage.Shadow }, With(Holds(1))).Single(g => g.Name == "samples").Passed);
    }
}
