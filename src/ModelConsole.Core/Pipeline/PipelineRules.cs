using System.Globalization;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Pipeline;

/// <summary>
/// DESIGN.md "Pipeline rules" as pure functions: (family state, request, actor, evidence, time) → the changes and
/// their ledger records, or why nothing changes. The UI, the API and the rules all call these.
/// </summary>
public static class PipelineRules
{
    public const double MinCanaryPercent = 1;
    public const double MaxCanaryPercent = 25;
    public const double MinMirrorPercent = 1;
    public const double MaxMirrorPercent = 100;

    /// <summary>The longest reason the ledger keeps.</summary>
    public const int MaxReasonLength = 2000;

    /// <summary>The default rules' minSamples (API.md), the planned samples until a family's own rules say more.</summary>
    public const long DefaultMinSamples = 200;

    /// <summary>A transition (shadow, canary, ramp, promotion) decided on the family's state and the gates' evidence.</summary>
    public static PipelineResult Transition(FamilyState family, TransitionRequest request, PipelineActor actor, Evidence evidence)
    {
        var errors = CheckShape(request);
        if (!errors.IsEmpty)
        {
            return Fail(family, PipelineFailure.Invalid, string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value)), errors);
        }

        if (family.Find(request.Bundle) is not { } bundle)
        {
            return Fail(family, PipelineFailure.Invalid, $"'{request.Bundle}' is not a bundle of the family '{family.Family}'.");
        }

        if (request.ExpectedRoutingVersion is { } expected && expected != family.RoutingVersion)
        {
            return Fail(family, PipelineFailure.StaleVersion,
                $"The family's routing changed meanwhile (version {family.RoutingVersion}, the request was decided on {expected}): look again and decide on current facts.");
        }

        Func<Func<PipelineResult>, PipelineResult> gated = IsGated(bundle.Stage, request.To)
            ? proceed => WithGates(family, bundle, request, actor, evidence, proceed)
            : proceed => proceed();
        return (bundle.Stage, request.To) switch
        {
            (Stage.Staging, Stage.Shadow) => StartShadow(family, bundle, request, actor),
            (Stage.Shadow, Stage.Canary) => gated(() => StartCanary(family, bundle, request, actor)),
            (Stage.Canary, Stage.Canary) => Ramp(family, bundle, request, actor),
            (Stage.Staging, Stage.Active) => FirstActive(family, bundle, request, actor),
            (Stage.Canary, Stage.Active) => gated(() => Promote(family, bundle, request, actor)),
            (Stage.Deprecated, Stage.Active) => Fail(family, PipelineFailure.NotAllowed,
                $"'{bundle.Name}' is DEPRECATED: only a rollback of the ACTIVE bundle restores the last known good."),
            _ => Fail(family, PipelineFailure.NotAllowed, $"'{bundle.Name}' cannot go from {bundle.Stage.ToWire()} to {request.To.ToWire()}."),
        };
    }

    /// <summary>A rollback decided on the family's state (DESIGN.md: target, last known good, versions).</summary>
    public static PipelineResult Rollback(FamilyState family, RollbackRequest request, PipelineActor actor, DateTime now, int autoRollbackActiveMinutes)
    {
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > MaxReasonLength)
        {
            var errors = new ValidationErrors();
            errors.Add("reason", string.IsNullOrWhiteSpace(request.Reason)
                ? "Say why you roll back: the ledger keeps it."
                : $"The reason is longer than {MaxReasonLength} characters.");
            return Fail(family, PipelineFailure.Invalid, "A rollback needs a reason of at most 2000 characters.", errors);
        }

        BundleState? target;
        if (request.Bundle is { } named)
        {
            target = family.Find(named);
            if (target is null)
            {
                return Fail(family, PipelineFailure.Invalid, $"'{named}' is not a bundle of the family '{family.Family}'.");
            }
        }
        else
        {
            target = DefaultRollbackTarget(family);
            if (target is { Stage: Stage.Active } && request.ExpectedRoutingVersion is null)
            {
                // Replacing production is never the side effect of a repeated request: two retries used to roll back two generations.
                return Fail(family, PipelineFailure.NotAllowed,
                    $"The family '{family.Family}' has no candidate, so this would roll back its ACTIVE bundle '{target.Name}' to the last known good: "
                    + "name it in 'bundle', or send the 'expectedRoutingVersion' you decided on.");
            }
        }

        var live = target is { } t && t.Stage.IsLive();
        if (request.ExpectedRoutingVersion is { } expected && expected != family.RoutingVersion)
        {
            // A double click or a rule firing twice never rolls back two generations.
            var alreadyDone = request.Bundle is not null ? !live : family.LastRollbackVersion is { } last && last > expected;
            return alreadyDone
                ? new PipelineResult([], [], [], family.RoutingVersion, AlreadyRolledBack: true,
                    RolledBack: request.Bundle is not null ? target?.Name : null, // unnamed: today's default target is still live, not what was rolled back
                    Message: "Already rolled back: nothing changed.")
                : Fail(family, PipelineFailure.StaleVersion,
                    $"The family's routing changed meanwhile (version {family.RoutingVersion}, the request was decided on {expected}) and '{target?.Name}' is still live: look again.");
        }

        if (target is null || !live)
        {
            return Fail(family, PipelineFailure.NotAllowed, target is null
                ? $"The family '{family.Family}' has nothing live to roll back."
                : $"'{target.Name}' is {target.Stage.ToWire()}: only a live bundle (SHADOW, CANARY or ACTIVE) can be rolled back.");
        }

        var evidence = Evidence(("reason", request.Reason), ("routingVersion", family.RoutingVersion));
        var version = family.RoutingVersion + 1;
        if (target.Stage is Stage.Shadow or Stage.Canary)
        {
            var change = new BundleChange(target.Name, target.Stage, Stage.Staging, null, RolledBack: true);
            return new PipelineResult([change],
                [new PipelineRecord(LedgerActions.RolledBack, target.Name, target.Stage, Stage.Staging, target.Percent, request.Reason, actor.IsRule, evidence)],
                [], version, RolledBack: target.Name);
        }

        if (actor.IsRule && now - target.StageEnteredAt > TimeSpan.FromMinutes(autoRollbackActiveMinutes))
        {
            return Fail(family, PipelineFailure.NotAllowed,
                $"Rules may roll an ACTIVE bundle back only within {autoRollbackActiveMinutes} minutes of its promotion; '{target.Name}' was promoted at {target.StageEnteredAt:u}.");
        }

        if (family.LastKnownGood is not { } good)
        {
            return Fail(family, PipelineFailure.NotAllowed, $"There is no last known good bundle to restore in place of '{target.Name}'.");
        }

        return new PipelineResult(
            [new BundleChange(target.Name, Stage.Active, Stage.Deprecated, null, RolledBack: true), new BundleChange(good.Name, Stage.Deprecated, Stage.Active, null, RolledBack: false)],
            [
                new PipelineRecord(LedgerActions.RolledBack, target.Name, Stage.Active, Stage.Deprecated, null, request.Reason, actor.IsRule, evidence),
                new PipelineRecord(LedgerActions.Restored, good.Name, Stage.Deprecated, Stage.Active, null, request.Reason, actor.IsRule, evidence),
            ],
            [], version, RolledBack: target.Name, Restored: good.Name);
    }

    /// <summary>What a rollback without a named bundle aims at: the newest live candidate (CANARY before SHADOW), else the ACTIVE.</summary>
    public static BundleState? DefaultRollbackTarget(FamilyState family) => Candidate(family) ?? family.InStage(Stage.Active);

    /// <summary>A family's candidate: its CANARY bundle, else its SHADOW bundle (what comparisons and readiness judge).</summary>
    public static BundleState? Candidate(FamilyState family)
    {
        ArgumentNullException.ThrowIfNull(family);
        return family.InStage(Stage.Canary) ?? family.InStage(Stage.Shadow);
    }

    /// <summary>The moves whose gates must pass (DESIGN.md): SHADOW → CANARY and CANARY → ACTIVE (a ramp is not one).</summary>
    public static bool IsGated(Stage from, Stage to) => (from, to) is (Stage.Shadow, Stage.Canary) or (Stage.Canary, Stage.Active);

    /// <summary>
    /// A candidate's planned samples (DESIGN.md "Pipeline rules"): the plan attached to it, else the largest
    /// <c>minSamples</c> among the family's rules, else the default rules' <see cref="DefaultMinSamples"/>.
    /// </summary>
    public static long PlannedSamples(long? attached, IEnumerable<long> ruleMinSamples)
    {
        ArgumentNullException.ThrowIfNull(ruleMinSamples);
        return attached ?? ruleMinSamples.DefaultIfEmpty(DefaultMinSamples).Max();
    }

    /// <summary>The ledger record of a plan attached to a candidate.</summary>
    public static LedgerEntry PlanAttached(string bundle, long perArm, string? note) =>
        new(LedgerActions.PlanAttached, bundle, note, new Dictionary<string, object?> { ["perArm"] = perArm });

    /// <summary>A plan attaches to a candidate (STAGING, SHADOW or CANARY) only: null when it may, else why not.</summary>
    public static string? PlanRefusal(string bundle, Stage stage) =>
        stage is Stage.Staging or Stage.Shadow or Stage.Canary ? null : $"A plan attaches to a candidate; {bundle} is {stage.ToWire()}.";

    /// <summary>What a person's rollback would roll back now, or null when it would be refused (an ACTIVE with no last known good).</summary>
    public static BundleState? RollbackCandidate(FamilyState family) =>
        DefaultRollbackTarget(family) is { } target && (target.Stage != Stage.Active || family.LastKnownGood is not null) ? target : null;

    /// <summary>
    /// The stages <paramref name="bundle"/> may move to now under the table and the one-per-stage limits (gates aside):
    /// what the pipeline view offers as buttons.
    /// </summary>
    public static IReadOnlyList<Stage> MovesFrom(FamilyState family, BundleState bundle)
    {
        var hasActive = family.InStage(Stage.Active) is not null;
        return bundle.Stage switch
        {
            Stage.Staging when !hasActive => [Stage.Active],
            Stage.Staging when family.InStage(Stage.Shadow) is null => [Stage.Shadow],
            Stage.Shadow when family.InStage(Stage.Canary) is null => [Stage.Canary],
            Stage.Canary => [Stage.Canary, Stage.Active],
            _ => [],
        };
    }

    /// <summary>The gates a promotion out of <paramref name="bundle"/>'s stage must pass (DESIGN.md: planned samples, no firing alert).</summary>
    public static IReadOnlyList<Gate> GatesFor(BundleState bundle, Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(evidence);
        var planned = PlannedSamples(bundle.PlannedSamples, [evidence.DefaultPlannedSamples]);
        var earned = evidence.For(bundle.Name);
        var samples = earned.Samples <= 0
            ? new Gate("samples", false, $"No samples yet since it entered {bundle.Stage.ToWire()} (planned {N(planned)}).")
            : new Gate("samples", earned.Samples >= planned, $"{N(earned.Samples)} of {N(planned)} planned samples since it entered {bundle.Stage.ToWire()}.");
        // A guarded promotion: CANARY → ACTIVE before the planned samples when every sequential guardrail holds.
        if (!samples.Passed && bundle.Stage == Stage.Canary && earned.Guardrails is { Count: > 0 } guardrails && guardrails.All(g => g.Holds))
        {
            samples = new Gate("samples", true,
                $"Guarded: {N(earned.Samples)} of {N(planned)} planned samples, but every sequential guardrail excludes a regression beyond its minimum effect — {string.Join("; ", guardrails.Select(g => g.Words))}.");
        }
        var alerts = new Gate("alerts", earned.FiringAlerts == 0, earned.FiringAlerts == 0 ? "No firing alert." : $"{earned.FiringAlerts} firing alert(s).");
        return [samples, alerts];
    }

    private static ValidationErrors CheckShape(TransitionRequest request)
    {
        var errors = new ValidationErrors();
        switch (request.To)
        {
            case Stage.Canary:
                CheckPercent(request.Percent, "percent", MinCanaryPercent, MaxCanaryPercent, errors);
                break;
            case Stage.Shadow:
                CheckPercent(request.MirrorPercent, "mirrorPercent", MinMirrorPercent, MaxMirrorPercent, errors);
                break;
            case Stage.Active:
                break;
            default:
                errors.Add("to", "A transition goes to SHADOW, CANARY or ACTIVE; rollback has its own request.");
                break;
        }

        if (request.Override && string.IsNullOrWhiteSpace(request.Reason))
        {
            errors.Add("reason", "An override needs a written reason.");
        }

        if (request.Reason is { Length: > MaxReasonLength })
        {
            errors.Add("reason", $"The reason is longer than {MaxReasonLength} characters.");
        }

        return errors;
    }

    private static void CheckPercent(double? value, string field, double min, double max, ValidationErrors errors)
    {
        if (value is not { } v)
        {
            errors.Add(field, $"Give {field} ({min:0}–{max:0}).");
        }
        else if (!double.IsFinite(v) || v < min || v > max)
        {
            errors.Add(field, $"{field} must be between {min:0} and {max:0} (it is {v.ToString(CultureInfo.InvariantCulture)}).");
        }
        else if (!Bucketing.HasBucketResolution(v))
        {
            errors.Add(field, $"{field} has at most two decimals (the bucket resolution is 0.01 %).");
        }
    }

    private static PipelineResult StartShadow(FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor)
    {
        if (family.InStage(Stage.Active) is null)
        {
            return Fail(family, PipelineFailure.NotAllowed, $"The family '{family.Family}' has no ACTIVE bundle to shadow.");
        }

        if (family.InStage(Stage.Shadow) is { } other)
        {
            return Fail(family, PipelineFailure.NotAllowed, $"'{other.Name}' is already the family's SHADOW bundle: roll it back or move it on first.");
        }

        return Move(family, bundle, Stage.Shadow, request.MirrorPercent, request, actor, LedgerActions.Transition, []);
    }

    private static PipelineResult StartCanary(FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor)
    {
        if (family.InStage(Stage.Canary) is { } other)
        {
            return Fail(family, PipelineFailure.NotAllowed, $"'{other.Name}' is already the family's CANARY bundle: promote or roll it back first.");
        }

        return Move(family, bundle, Stage.Canary, request.Percent, request, actor, LedgerActions.Transition, []);
    }

    private static PipelineResult Ramp(FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor)
    {
        if (bundle.Percent == request.Percent)
        {
            return Fail(family, PipelineFailure.NotAllowed, $"'{bundle.Name}' already serves {request.Percent:0.##} %.");
        }

        return Move(family, bundle, Stage.Canary, request.Percent, request, actor, LedgerActions.Ramp, []);
    }

    private static PipelineResult FirstActive(FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor)
    {
        if (family.InStage(Stage.Active) is { } active)
        {
            return Fail(family, PipelineFailure.NotAllowed,
                $"'{active.Name}' is ACTIVE: a STAGING bundle goes through SHADOW and CANARY first (straight to ACTIVE only for a family's first bundle).");
        }

        return Move(family, bundle, Stage.Active, null, request, actor, LedgerActions.Transition, [], ("firstBundle", true));
    }

    private static PipelineResult Promote(FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor)
    {
        var result = Move(family, bundle, Stage.Active, null, request, actor, LedgerActions.Transition, []);
        if (family.InStage(Stage.Active) is not { } previous)
        {
            return result;
        }

        var deprecated = new BundleChange(previous.Name, Stage.Active, Stage.Deprecated, null, RolledBack: false);
        var record = new PipelineRecord(LedgerActions.Deprecated, previous.Name, Stage.Active, Stage.Deprecated, null,
            $"replaced by {bundle.Name}", actor.IsRule, Evidence(("replacedBy", bundle.Name)));
        return result with { Changes = [.. result.Changes, deprecated], Records = [.. result.Records, record] };
    }

    private static PipelineResult WithGates(
        FamilyState family, BundleState bundle, TransitionRequest request, PipelineActor actor, Evidence evidence,
        Func<PipelineResult> proceed)
    {
        var gates = GatesFor(bundle, evidence);
        var failed = gates.Where(g => !g.Passed).ToList();
        if (failed.Count > 0 && !(request.Override && actor.MayOverride))
        {
            var hint = request.Override ? " You may not override gates." : " A release manager may override them with a written reason.";
            return Fail(family, PipelineFailure.GatesFailed,
                $"Gates failed for '{bundle.Name}': {string.Join(" ", failed.Select(g => g.Detail))}{hint}") with { Gates = gates };
        }

        var result = proceed();
        var overridden = failed.Count > 0;
        return result with
        {
            Gates = gates,
            Records = result.Records.Select(r => r.Bundle == bundle.Name
                ? r with { Evidence = new Dictionary<string, object?>(r.Evidence) { ["gates"] = gates, ["overridden"] = overridden } }
                : r).ToList(),
        };
    }

    private static PipelineResult Move(
        FamilyState family, BundleState bundle, Stage to, double? percent, TransitionRequest request, PipelineActor actor, string action,
        IReadOnlyList<Gate> gates, params (string Key, object? Value)[] extra)
    {
        var change = new BundleChange(bundle.Name, bundle.Stage, to, percent, RolledBack: false);
        var evidence = Evidence([("fromPercent", bundle.Percent), .. extra]);
        var record = new PipelineRecord(action, bundle.Name, bundle.Stage, to, percent, string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(), actor.IsRule, evidence);
        return new PipelineResult([change], [record], gates, family.RoutingVersion + 1);
    }

    private static PipelineResult Fail(FamilyState family, PipelineFailure failure, string message, ValidationErrors? errors = null) =>
        new([], [], [], family.RoutingVersion, failure, message, errors);

    private static Dictionary<string, object?> Evidence(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
