using ModelConsole.Core.Metrics;
using ModelConsole.Core.Thresholds;

namespace ModelConsole.Core.Tests.Thresholds;

/// <summary>A family's health from its rules' latest verdicts and its alerts: the worst condition wins (API.md "Families").</summary>
public sealed class FamilyHealthTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc);

    private static RuleVerdictSeen Seen(RuleAction action, VerdictKind verdict) => new(action, verdict);

    private static HealthAlert Open(long id, RuleAction action, bool acknowledged = false, int minutesAgo = 1) =>
        new(id, action, Open: true, acknowledged, Now.AddMinutes(-minutesAgo), null);

    private static HealthAlert RolledBack(long id, TimeSpan ago) =>
        new(id, RuleAction.Rollback, Open: false, Acknowledged: false, Now - ago - TimeSpan.FromSeconds(1), Now - ago);

    [Fact]
    public void NothingEvaluated_IsUnknown_AndUnknownIsItsWireName()
    {
        var view = FamilyHealth.Decide([], [], Now);
        Assert.Equal(Health.Unknown, view.Health);
        Assert.Equal("unknown", view.Health.ToWire());
        Assert.Equal((0, (long?)null), (view.OpenAlerts, view.AlertId));
    }

    [Fact]
    public void OnlyInconclusiveVerdicts_AreNoData()
    {
        var view = FamilyHealth.Decide([Seen(RuleAction.Rollback, VerdictKind.Inconclusive), Seen(RuleAction.Alert, VerdictKind.Inconclusive)], [], Now);
        Assert.Equal("noData", view.Health.ToWire());
    }

    [Fact]
    public void APassAmongInconclusiveOnes_IsOk()
    {
        var view = FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Inconclusive), Seen(RuleAction.Alert, VerdictKind.Pass)], [], Now);
        Assert.Equal(Health.Ok, view.Health);
    }

    [Fact]
    public void AnAlertRuleBreaching_IsAWarning_EvenBeforeItsAlertIsRaised()
    {
        var view = FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Breach), Seen(RuleAction.Rollback, VerdictKind.Pass)], [], Now);
        Assert.Equal(Health.Warning, view.Health);
    }

    [Fact]
    public void AnOpenAlert_IsAWarning_WhileItsRuleRecovers_AndNamesTheAlert()
    {
        var view = FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Pass)], [Open(7, RuleAction.Alert)], Now);
        Assert.Equal((Health.Warning, 1, (long?)7), (view.Health, view.OpenAlerts, view.AlertId));
    }

    [Fact]
    public void ARollbackRuleBreaching_IsABreach_AndOutranksWarnings()
    {
        var view = FamilyHealth.Decide(
            [Seen(RuleAction.Alert, VerdictKind.Breach), Seen(RuleAction.Rollback, VerdictKind.Breach)],
            [Open(3, RuleAction.Alert, minutesAgo: 2), Open(9, RuleAction.Rollback, minutesAgo: 5)], Now);
        Assert.Equal(Health.Breach, view.Health);
        Assert.Equal(9, view.AlertId); // the rollback rule's alert explains it, though the other is newer
    }

    [Fact]
    public void TheUnacknowledgedAlert_IsNamedBeforeAnAcknowledgedOne()
    {
        var view = FamilyHealth.Decide([], [Open(1, RuleAction.Alert, acknowledged: false, minutesAgo: 30), Open(2, RuleAction.Alert, acknowledged: true, minutesAgo: 1)], Now);
        Assert.Equal(1, view.AlertId);
    }

    [Fact]
    public void AnUnacknowledgedAutomaticRollback_WithinTheHour_IsRolledBack_AboveEverything()
    {
        var view = FamilyHealth.Decide([Seen(RuleAction.Rollback, VerdictKind.Breach)], [Open(4, RuleAction.Alert), RolledBack(12, TimeSpan.FromMinutes(59))], Now);
        Assert.Equal((Health.RolledBack, "rolledBack", (long?)12), (view.Health, view.Health.ToWire(), view.AlertId));
        Assert.Equal(1, view.OpenAlerts); // the rollback's own alert is resolved: it is not counted as open
    }

    [Fact]
    public void ARollbackOlderThanAnHour_OrAcknowledged_NoLongerSaysRolledBack()
    {
        Assert.Equal(Health.Ok, FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Pass)], [RolledBack(12, TimeSpan.FromMinutes(61))], Now).Health);
        var seen = RolledBack(12, TimeSpan.FromMinutes(5)) with { Acknowledged = true };
        Assert.Equal(Health.Ok, FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Pass)], [seen], Now).Health);
    }

    [Fact]
    public void AnAlertRulesResolvedAlert_NeverSaysRolledBack()
    {
        var alertRule = new HealthAlert(5, RuleAction.Alert, Open: false, Acknowledged: false, Now.AddMinutes(-3), Now.AddMinutes(-2));
        Assert.Equal(Health.NoData, FamilyHealth.Decide([Seen(RuleAction.Alert, VerdictKind.Inconclusive)], [alertRule], Now).Health);
    }
}

/// <summary>Silences: what they accept, and that they never cover a rollback rule.</summary>
public sealed class SilenceTests
{
    private static readonly DateTime Now = new(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(0, "maintenance", null, "minutes")]
    [InlineData(1441, "maintenance", null, "minutes")]
    [InlineData(null, "maintenance", null, "minutes")]
    [InlineData(30, " ", null, "reason")]
    [InlineData(30, null, null, "reason")]
    [InlineData(30, "maintenance", -4L, "ruleId")]
    public void BadDrafts_NameTheirField(int? minutes, string? reason, long? ruleId, string field)
    {
        var errors = new SilenceDraft(minutes, reason, ruleId).Validate();
        Assert.True(errors.Has(field), field);
        Assert.Single(errors.ToDictionary());
    }

    [Fact]
    public void AGoodDraft_HasNoErrors_AtBothEndsOfTheRange()
    {
        Assert.True(new SilenceDraft(1, "x", null).Validate().IsEmpty);
        Assert.True(new SilenceDraft(1440, "x", 3).Validate().IsEmpty);
        Assert.False(new SilenceDraft(30, new string('x', 2001), null).Validate().IsEmpty);
    }

    [Fact]
    public void ASilence_CoversAlertRulesUntilItsEnd_ButNeverARollbackRule()
    {
        var all = new Silence(1, "f", null, "maintenance", "ann", Now, Now.AddMinutes(30), null, null);
        Assert.True(all.Covers(7, RuleAction.Alert, Now.AddMinutes(29)));
        Assert.False(all.Covers(7, RuleAction.Alert, Now.AddMinutes(30)));
        Assert.False(all.Covers(7, RuleAction.Rollback, Now.AddMinutes(1)));

        var one = all with { RuleId = 7 };
        Assert.True(one.Covers(7, RuleAction.Alert, Now));
        Assert.False(one.Covers(8, RuleAction.Alert, Now));

        var ended = all with { EndedAt = Now.AddMinutes(5), EndedBy = "bob" };
        Assert.False(ended.Covers(7, RuleAction.Alert, Now.AddMinutes(6)));
        Assert.False(ended.IsActive(Now.AddMinutes(6)));
    }
}

/// <summary>The latest verdict kind a rule state keeps, which health reads; a state that does not change is not written again.</summary>
public sealed class RuleStateLatestTests
{
    [Fact]
    public void TheLatestKind_FollowsEachVerdict_AndASteadyStateStaysEqual()
    {
        var rule = new RuleDraft(null, MetricCatalog.ErrorRate.Name, "alert").ToRule(1, new Core.Validation.ValidationErrors())!;
        Verdict Of(VerdictKind kind) => new(kind, rule, null, null, null, "active", 0, null, "");
        var t = new DateTime(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc);

        var (s1, _) = RuleState.Initial.Next(Of(VerdictKind.Inconclusive), t);
        Assert.Equal(VerdictKind.Inconclusive, s1.Latest);
        var (s2, _) = s1.Next(Of(VerdictKind.Breach), t);
        Assert.Equal((VerdictKind.Breach, 1), (s2.Latest!.Value, s2.Breaches));
        var (s3, _) = s2.Next(Of(VerdictKind.Pass), t, healthyCap: 3);
        Assert.Equal((VerdictKind.Pass, 0), (s3.Latest!.Value, s3.Breaches));

        var steady = s3;
        for (var i = 0; i < 5; i++)
        {
            steady = steady.Next(Of(VerdictKind.Pass), t, healthyCap: 3).State;
        }

        Assert.Equal(steady, steady.Next(Of(VerdictKind.Pass), t, healthyCap: 3).State);
        Assert.Equal(steady, steady.Next(Of(VerdictKind.Inconclusive), t, healthyCap: 3).State with { Latest = VerdictKind.Pass });
    }
}
