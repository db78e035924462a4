using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;

namespace ModelConsole.Core.Tests.Pipeline;

public class PipelineRulesTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly PipelineActor Release = new("release", MayOverride: true);
    private static readonly PipelineActor Key = new("key:ci", MayOverride: false);
    private static readonly PipelineActor Rule = new("rule:7", MayOverride: false, IsRule: true);
    private static readonly Evidence NoTelemetry = Evidence.None(200);

    private static BundleState B(string name, Stage stage, double? percent = null, bool rolledBack = false, int minutesAgo = 60, long? planned = null) =>
        new(name, stage, percent, rolledBack, T0.AddMinutes(-minutesAgo), planned);

    private static FamilyState Family(params BundleState[] bundles) => new("agent", 10, bundles);

    private static Evidence Earned(string bundle, long samples, int alerts = 0) =>
        new(new Dictionary<string, BundleEvidence> { [bundle] = new(samples, alerts) }, 200);

    [Fact]
    public void StagingToActive_IsAllowedForTheFamilysFirstBundle_AndRecordedAsSuch()
    {
        var result = PipelineRules.Transition(Family(B("v1", Stage.Staging)), new TransitionRequest("v1", Stage.Active), Release, NoTelemetry);

        Assert.True(result.Succeeded);
        Assert.Equal(new BundleChange("v1", Stage.Staging, Stage.Active, null, false), Assert.Single(result.Changes));
        Assert.Equal(true, Assert.Single(result.Records).Evidence["firstBundle"]);
        Assert.Equal(11, result.RoutingVersion);
    }

    [Fact]
    public void StagingToActive_WhenTheFamilyHasAnActive_IsNotAllowed()
    {
        var result = PipelineRules.Transition(Family(B("v1", Stage.Active), B("v2", Stage.Staging)), new TransitionRequest("v2", Stage.Active), Release, NoTelemetry);

        Assert.Equal(PipelineFailure.NotAllowed, result.Failure);
        Assert.Empty(result.Changes);
        Assert.Equal(10, result.RoutingVersion);
    }

    [Fact]
    public void StagingToShadow_NeedsAnActive_AndStartsMirroring()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Staging));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Shadow, MirrorPercent: 20), Release, NoTelemetry);
        var orphan = PipelineRules.Transition(Family(B("v2", Stage.Staging)), new TransitionRequest("v2", Stage.Shadow, MirrorPercent: 20), Release, NoTelemetry);

        Assert.Equal(new BundleChange("v2", Stage.Staging, Stage.Shadow, 20, false), Assert.Single(result.Changes));
        Assert.Equal(PipelineFailure.NotAllowed, orphan.Failure);
        Assert.Contains("no ACTIVE", orphan.Message);
    }

    [Fact]
    public void ASecondShadowOrCanary_IsNotAllowed()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10), B("v3", Stage.Canary, 5), B("v4", Stage.Staging));

        Assert.Equal(PipelineFailure.NotAllowed, PipelineRules.Transition(family, new TransitionRequest("v4", Stage.Shadow, MirrorPercent: 5), Release, NoTelemetry).Failure);
        var secondCanary = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5), Release, Earned("v2", 500));
        Assert.Equal(PipelineFailure.NotAllowed, secondCanary.Failure);
        Assert.Contains("v3", secondCanary.Message);
    }

    [Fact]
    public void ShadowToCanary_WithNoTelemetry_FailsTheSamplesGate()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5), Release, NoTelemetry);

        Assert.Equal(PipelineFailure.GatesFailed, result.Failure);
        var samples = Assert.Single(result.Gates, g => g.Name == "samples");
        Assert.False(samples.Passed);
        Assert.Contains("No samples yet", samples.Detail);
        Assert.Empty(result.Changes);
    }

    [Fact]
    public void ShadowToCanary_WithThePlannedSamplesAndNoAlert_Passes()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10, planned: 1_000));

        var tooFew = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5), Release, Earned("v2", 999));
        var enough = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5), Release, Earned("v2", 1_000));

        Assert.Equal(PipelineFailure.GatesFailed, tooFew.Failure);
        Assert.True(enough.Succeeded);
        Assert.All(enough.Gates, g => Assert.True(g.Passed));
        Assert.Equal(false, enough.Records[0].Evidence["overridden"]);
    }

    [Fact]
    public void AFiringAlert_FailsTheGate_EvenWithEnoughSamples()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Active), Release, Earned("v2", 5_000, alerts: 1));

        Assert.Equal(PipelineFailure.GatesFailed, result.Failure);
        Assert.False(Assert.Single(result.Gates, g => g.Name == "alerts").Passed);
    }

    [Fact]
    public void Override_WithAReason_PassesFailedGates_AndIsRecorded()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5, Reason: "offline eval is conclusive", Override: true), Release, NoTelemetry);

        Assert.True(result.Succeeded);
        Assert.Equal(true, result.Records[0].Evidence["overridden"]);
        Assert.Equal("offline eval is conclusive", result.Records[0].Reason);
    }

    [Fact]
    public void Override_WithoutAReason_IsInvalid()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5, Reason: "  ", Override: true), Release, NoTelemetry);

        Assert.Equal(PipelineFailure.Invalid, result.Failure);
        Assert.NotEmpty(result.Errors!.For("reason"));
    }

    [Fact]
    public void Override_ByAnActorWhoMayNot_LeavesTheGatesFailed()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 5, Reason: "trust me", Override: true), Key, NoTelemetry);

        Assert.Equal(PipelineFailure.GatesFailed, result.Failure);
        Assert.Contains("may not override", result.Message);
    }

    [Fact]
    public void CanaryRamp_MovesThePercent_WithoutGates_AndIsRecordedAsARamp()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 12.5), Release, NoTelemetry);

        Assert.Equal(new BundleChange("v2", Stage.Canary, Stage.Canary, 12.5, false), Assert.Single(result.Changes));
        Assert.Equal("ramp", result.Records[0].Action);
        Assert.Equal(5.0, result.Records[0].Evidence["fromPercent"]);
    }

    [Fact]
    public void Promote_MakesTheCanaryActive_AndDeprecatesThePreviousActive()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 25));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Active), Release, Earned("v2", 400));

        Assert.Equal(
            [new BundleChange("v2", Stage.Canary, Stage.Active, null, false), new BundleChange("v1", Stage.Active, Stage.Deprecated, null, false)],
            result.Changes);
        Assert.Equal(["transition", "deprecated"], result.Records.Select(r => r.Action));
    }

    [Theory]
    [InlineData(Stage.Deprecated, Stage.Active, "only a rollback")]
    [InlineData(Stage.Staging, Stage.Canary, "cannot go from STAGING to CANARY")]
    [InlineData(Stage.Shadow, Stage.Active, "cannot go from SHADOW to ACTIVE")]
    [InlineData(Stage.Shadow, Stage.Shadow, "cannot go from SHADOW to SHADOW")]
    [InlineData(Stage.Active, Stage.Canary, "cannot go from ACTIVE to CANARY")]
    [InlineData(Stage.Active, Stage.Shadow, "cannot go from ACTIVE to SHADOW")]
    [InlineData(Stage.Canary, Stage.Shadow, "cannot go from CANARY to SHADOW")]
    public void TransitionsOutsideTheTable_AreNotAllowed(Stage from, Stage to, string message)
    {
        var family = Family(B("v0", from == Stage.Active ? Stage.Deprecated : Stage.Active), B("v9", from, from is Stage.Canary or Stage.Shadow ? 5 : null));

        var result = PipelineRules.Transition(family, new TransitionRequest("v9", to, Percent: 5, MirrorPercent: 5), Release, Earned("v9", 10_000));

        Assert.Equal(PipelineFailure.NotAllowed, result.Failure);
        Assert.Contains(message, result.Message);
        Assert.Empty(result.Changes);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(26.0)]
    [InlineData(-1.0)]
    [InlineData(5.555)]
    [InlineData(double.NaN)]
    public void CanaryPercent_OutsideOneToTwentyFiveOrFinerThanTwoDecimals_IsInvalid(double percent)
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: percent), Release, NoTelemetry);

        Assert.Equal(PipelineFailure.Invalid, result.Failure);
        Assert.NotEmpty(result.Errors!.For("percent"));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(101.0)]
    public void MirrorPercent_OutsideOneToHundred_IsInvalid(double mirror)
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Staging));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Shadow, MirrorPercent: mirror), Release, NoTelemetry);

        Assert.NotEmpty(result.Errors!.For("mirrorPercent"));
    }

    [Fact]
    public void StaleExpectedRoutingVersion_IsRefusedForTransitions()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5));

        var result = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 10, ExpectedRoutingVersion: 9), Release, NoTelemetry);

        Assert.Equal(PipelineFailure.StaleVersion, result.Failure);
    }

    [Fact]
    public void Rollback_WithoutTarget_TakesTheCanaryBeforeTheShadow()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10), B("v3", Stage.Canary, 5));

        var result = PipelineRules.Rollback(family, new RollbackRequest(null, "errors up"), Release, T0, 60);

        Assert.Equal(new BundleChange("v3", Stage.Canary, Stage.Staging, null, true), Assert.Single(result.Changes));
        Assert.Equal("v3", result.RolledBack);
        Assert.Null(result.Restored);
    }

    [Fact]
    public void Rollback_WithOnlyAShadow_RollsTheShadowBack()
    {
        var result = PipelineRules.Rollback(Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10)), new RollbackRequest(null, "costly"), Release, T0, 60);

        Assert.Equal("v2", result.RolledBack);
        Assert.Equal(Stage.Staging, result.Changes[0].To);
    }

    [Fact]
    public void Rollback_OfTheActive_RestoresTheMostRecentlyDeprecatedBundleNotRolledBack()
    {
        var family = Family(
            B("v1", Stage.Deprecated, minutesAgo: 300),
            B("v2", Stage.Deprecated, minutesAgo: 200),
            B("v3", Stage.Deprecated, rolledBack: true, minutesAgo: 100),
            B("v4", Stage.Active, minutesAgo: 30));

        var result = PipelineRules.Rollback(family, new RollbackRequest("v4", "quality dropped"), Release, T0, 60);

        Assert.Equal(
            [new BundleChange("v4", Stage.Active, Stage.Deprecated, null, true), new BundleChange("v2", Stage.Deprecated, Stage.Active, null, false)],
            result.Changes);
        Assert.Equal(("v4", "v2"), (result.RolledBack, result.Restored));
        Assert.Equal(["rolled-back", "restored"], result.Records.Select(r => r.Action));
    }

    [Fact]
    public void Rollback_WithNothingToRestore_IsNotAllowed()
    {
        var result = PipelineRules.Rollback(Family(B("v1", Stage.Active), B("v0", Stage.Deprecated, rolledBack: true)), new RollbackRequest("v1", "bad"), Release, T0, 60);

        Assert.Equal(PipelineFailure.NotAllowed, result.Failure);
        Assert.Contains("no last known good", result.Message);
    }

    [Fact]
    public void Rollback_OfAFamilyWithNothingLive_IsNotAllowed()
    {
        var result = PipelineRules.Rollback(Family(B("v1", Stage.Staging)), new RollbackRequest(null, "bad"), Release, T0, 60);

        Assert.Equal(PipelineFailure.NotAllowed, result.Failure);
    }

    [Fact]
    public void Rules_MayRollBackAnActive_OnlyWithinTheAutoRollbackWindow_PeopleAlways()
    {
        var early = Family(B("v0", Stage.Deprecated, minutesAgo: 500), B("v1", Stage.Active, minutesAgo: 59));
        var late = Family(B("v0", Stage.Deprecated, minutesAgo: 500), B("v1", Stage.Active, minutesAgo: 61));

        Assert.True(PipelineRules.Rollback(early, new RollbackRequest("v1", "breach"), Rule, T0, 60).Succeeded);
        Assert.Equal(PipelineFailure.NotAllowed, PipelineRules.Rollback(late, new RollbackRequest("v1", "breach"), Rule, T0, 60).Failure);
        Assert.True(PipelineRules.Rollback(late, new RollbackRequest("v1", "breach"), Release, T0, 60).Succeeded);
        Assert.True(PipelineRules.Rollback(late, new RollbackRequest("v1", "breach"), Rule, T0, 60).Changes.Count == 0);
    }

    [Fact]
    public void Rollback_ThatWouldReplaceTheActive_NeedsItNamedOrAVersion_SoARetryNeverRollsBackTwoGenerations()
    {
        var family = Family(B("v1", Stage.Deprecated, minutesAgo: 300), B("v2", Stage.Active, minutesAgo: 30));

        var unnamed = PipelineRules.Rollback(family, new RollbackRequest(null, "quality dropped"), Release, T0, 60);
        var versioned = PipelineRules.Rollback(family, new RollbackRequest(null, "quality dropped", ExpectedRoutingVersion: 10), Release, T0, 60);
        var named = PipelineRules.Rollback(family, new RollbackRequest("v2", "quality dropped"), Release, T0, 60);

        Assert.Equal(PipelineFailure.NotAllowed, unnamed.Failure);
        Assert.Empty(unnamed.Changes);
        Assert.Contains("name it in 'bundle'", unnamed.Message, StringComparison.Ordinal);
        Assert.Equal(("v2", "v1"), (versioned.RolledBack, versioned.Restored));
        Assert.Equal(("v2", "v1"), (named.RolledBack, named.Restored));
        // A candidate is still the default target without either.
        var withCanary = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5));
        Assert.Equal("v2", PipelineRules.Rollback(withCanary, new RollbackRequest(null, "errors"), Release, T0, 60).RolledBack);
    }

    [Fact]
    public void Rollback_DecidedOnAnOlderVersion_OfATargetNoLongerLive_IsAlreadyRolledBack_AndChangesNothing()
    {
        // v2 was rolled back at version 10 (by a rule); the person clicked at version 9.
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Staging, rolledBack: true)) with { LastRollbackVersion = 10 };

        var named = PipelineRules.Rollback(family, new RollbackRequest("v2", "double click", ExpectedRoutingVersion: 9), Release, T0, 60);
        var unnamed = PipelineRules.Rollback(family, new RollbackRequest(null, "double click", ExpectedRoutingVersion: 9), Release, T0, 60);

        Assert.True(named.AlreadyRolledBack);
        Assert.True(unnamed.AlreadyRolledBack);
        Assert.Equal("v2", named.RolledBack);
        Assert.Null(unnamed.RolledBack); // the default target today is the live ACTIVE, which was not rolled back
        Assert.Empty(named.Changes);
        Assert.Empty(unnamed.Changes); // never rolls back the ACTIVE, a second generation
    }

    [Fact]
    public void Rollback_DecidedOnAnOlderVersion_OfATargetStillLive_IsRefused()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 10));

        var result = PipelineRules.Rollback(family, new RollbackRequest("v2", "saw 5 %", ExpectedRoutingVersion: 9), Release, T0, 60);

        Assert.Equal(PipelineFailure.StaleVersion, result.Failure);
    }

    [Fact]
    public void Reasons_LongerThan2000Characters_AreInvalid_ForTransitionsAndRollbacks()
    {
        var family = Family(B("v1", Stage.Active), B("v2", Stage.Canary, 10));
        var tooLong = new string('r', PipelineRules.MaxReasonLength + 1);

        var ramp = PipelineRules.Transition(family, new TransitionRequest("v2", Stage.Canary, Percent: 20, Reason: tooLong), Release, NoTelemetry);
        var rollback = PipelineRules.Rollback(family, new RollbackRequest(null, tooLong), Release, T0, 60);
        var justRight = PipelineRules.Rollback(family, new RollbackRequest(null, tooLong[..^1]), Release, T0, 60);

        Assert.NotEmpty(ramp.Errors!.For("reason"));
        Assert.NotEmpty(rollback.Errors!.For("reason"));
        Assert.True(justRight.Succeeded);
    }

    public static TheoryData<string> Situations() => ["active+staging", "empty+staging", "active+shadow+staging", "active+canary+shadow+staging", "deprecated+active+canary"];

    private static FamilyState Situation(string name) => name switch
    {
        "active+staging" => Family(B("v1", Stage.Active), B("v2", Stage.Staging)),
        "empty+staging" => Family(B("v2", Stage.Staging)),
        "active+shadow+staging" => Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10), B("v3", Stage.Staging)),
        "active+canary+shadow+staging" => Family(B("v1", Stage.Active), B("v2", Stage.Canary, 5), B("v3", Stage.Shadow, 10), B("v4", Stage.Staging)),
        _ => Family(B("v0", Stage.Deprecated), B("v1", Stage.Active), B("v2", Stage.Canary, 5)),
    };

    [Theory]
    [MemberData(nameof(Situations))]
    public void MovesFrom_OffersExactlyTheMovesTransitionAccepts(string situation)
    {
        var family = Situation(situation);
        foreach (var bundle in family.Bundles)
        {
            var offered = PipelineRules.MovesFrom(family, bundle);
            foreach (var to in new[] { Stage.Shadow, Stage.Canary, Stage.Active })
            {
                var request = new TransitionRequest(bundle.Name, to, Percent: bundle.Percent == 20 ? 10 : 20, MirrorPercent: 20, Reason: "r", Override: true);
                var accepted = PipelineRules.Transition(family, request, Release, NoTelemetry).Succeeded;
                Assert.True(accepted == offered.Contains(to), $"{situation}: {bundle.Name} ({bundle.Stage}) -> {to}: offered {offered.Contains(to)}, accepted {accepted}");
            }
        }
    }

    [Fact]
    public void RollbackCandidate_IsWhatARollbackWouldRollBack_OrNullWhenItWouldBeRefused()
    {
        var canary = Family(B("v1", Stage.Active), B("v2", Stage.Shadow, 10), B("v3", Stage.Canary, 5));
        var withGood = Family(B("v0", Stage.Deprecated), B("v1", Stage.Active));
        var withoutGood = Family(B("v0", Stage.Deprecated, rolledBack: true), B("v1", Stage.Active));

        Assert.Equal("v3", PipelineRules.RollbackCandidate(canary)?.Name);
        Assert.Equal("v1", PipelineRules.RollbackCandidate(withGood)?.Name);
        Assert.Null(PipelineRules.RollbackCandidate(withoutGood));
        Assert.False(PipelineRules.Rollback(withoutGood, new RollbackRequest(null, "r"), Release, T0, 60).Succeeded);
        Assert.Equal("v1", PipelineRules.Rollback(withGood, new RollbackRequest(null, "r", ExpectedRoutingVersion: 10), Release, T0, 60).RolledBack);
    }

    [Fact]
    public void Rollback_WithoutAReason_IsInvalid()
    {
        var result = PipelineRules.Rollback(Family(B("v1", Stage.Active), B("v2", Stage.Canary, 10)), new RollbackRequest(null, " "), Release, T0, 60);

        Assert.Equal(PipelineFailure.Invalid, result.Failure);
    }
}
