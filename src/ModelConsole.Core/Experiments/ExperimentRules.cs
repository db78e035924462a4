using ModelConsole.Core.Bundles;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Experiments;

/// <summary>How an experiment ends: a person's decision, or by itself when arm B leaves CANARY.</summary>
public enum ExperimentDecision
{
    ShipB,
    KeepA,
    Inconclusive,
}

/// <summary>The limits and names of an A/B experiment (DESIGN.md "Pipeline rules", API.md "Experiments and planner").</summary>
public static class ExperimentRules
{
    public const double MinSplitBPercent = 1;
    public const double MaxSplitBPercent = 50;
    public const int MaxReasonLength = 2000;

    /// <summary>A sample-ratio mismatch is flagged below this chi-square p-value.</summary>
    public const double SrmThreshold = 0.001;

    /// <summary>
    /// Whether an experiment with arm B <paramref name="armB"/> may start on the family now (arm A is its ACTIVE
    /// bundle, arm B must be its CANARY, one running per family): null when it may, else why not.
    /// </summary>
    public static string? StartRefusal(FamilyState family, string armB, bool alreadyRunning)
    {
        ArgumentNullException.ThrowIfNull(family);
        var canary = family.InStage(Stage.Canary);
        if (family.InStage(Stage.Active) is null)
        {
            return $"The family '{family.Family}' has no ACTIVE bundle to be arm A.";
        }

        if (canary is null)
        {
            return $"The family '{family.Family}' has no CANARY bundle; arm B must be its canary (it has passed the shadow gate).";
        }

        if (canary.Name != armB)
        {
            return $"Arm B must be the family's CANARY bundle, {canary.Name}; {armB} is {(family.Find(armB) is { } b ? b.Stage.ToWire() : "not a bundle of this family")}.";
        }

        return alreadyRunning ? $"The family '{family.Family}' already has a running experiment: conclude it first." : null;
    }

    /// <summary>The ledger record of a started experiment.</summary>
    public static LedgerEntry Started(string id, string armA, string armB, double splitBPercent, string metric, long plannedA, long plannedB, IReadOnlyDictionary<string, object?> plan) =>
        new(LedgerActions.ExperimentStarted, armB, $"{id}: {metric}, {plannedA:N0} + {plannedB:N0} planned",
            new Dictionary<string, object?>(plan) { ["id"] = id, ["armA"] = armA, ["armB"] = armB }, Percent: splitBPercent);

    /// <summary>
    /// Why a running experiment ends by itself after a pipeline change (arm B left CANARY, or arm A left ACTIVE), or
    /// null while both arms are in place.
    /// </summary>
    public static string? EndReason(BundleState armA, BundleState armB)
    {
        ArgumentNullException.ThrowIfNull(armA);
        ArgumentNullException.ThrowIfNull(armB);
        if (armA.Stage == Stage.Active && armB.Stage == Stage.Canary)
        {
            return null;
        }

        return armB.Stage switch
        {
            Stage.Active => $"arm B {armB.Name} was promoted",
            Stage.Canary => $"arm A {armA.Name} is no longer ACTIVE",
            _ => $"arm B {armB.Name} left CANARY ({armB.Stage.ToWire()}{(armB.RolledBack ? ", rolled back" : "")})",
        };
    }

    /// <summary>The ledger record of an experiment that ended by itself.</summary>
    public static LedgerEntry Ended(string id, BundleState armB, string why) =>
        new(LedgerActions.ExperimentEnded, armB.Name, $"{id} ended by itself: {why}",
            new Dictionary<string, object?> { ["id"] = id, ["armB"] = armB.Name, ["to"] = armB.Stage.ToWire() }, Automatic: true);

    /// <summary>The ledger record of a concluded experiment (the line keeps within the ledger's column; the experiment keeps the whole reason).</summary>
    public static LedgerEntry Concluded(string id, string armB, string decision, string reason) =>
        new(LedgerActions.ExperimentConcluded, armB, Truncate($"{id}: {decision} — {reason}", MaxReasonLength), new Dictionary<string, object?>());

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>The wire name of a decision.</summary>
    public static string Of(ExperimentDecision decision) => decision switch
    {
        ExperimentDecision.ShipB => "shipB",
        ExperimentDecision.KeepA => "keepA",
        _ => "inconclusive",
    };

    /// <summary>The wire name of what the data supports: a decision's own name, or wait / untrustworthy.</summary>
    public static string Of(Suggestion suggestion) => DecisionFor(suggestion) is { } decision ? Of(decision)
        : suggestion == Suggestion.Untrustworthy ? "untrustworthy" : "wait";

    /// <summary>The decision a suggestion supports, or null while the data supports none (wait, untrustworthy).</summary>
    public static ExperimentDecision? DecisionFor(Suggestion suggestion) => suggestion switch
    {
        Suggestion.ShipB => ExperimentDecision.ShipB,
        Suggestion.KeepA => ExperimentDecision.KeepA,
        Suggestion.Inconclusive => ExperimentDecision.Inconclusive,
        _ => null,
    };

    /// <summary>The decision with this wire name.</summary>
    public static bool TryDecision(string? value, out ExperimentDecision decision)
    {
        foreach (var d in Enum.GetValues<ExperimentDecision>())
        {
            if (Of(d) == value)
            {
                decision = d;
                return true;
            }
        }

        decision = default;
        return false;
    }
}

/// <summary>
/// A new experiment as a caller writes it (<c>POST /experiments</c>). <see cref="Baseline"/> and <see cref="StdDev"/>
/// may be left out: the ACTIVE bundle's live (else registered) values fill them before planning.
/// </summary>
public sealed record ExperimentDraft(
    string? Family,
    string? ArmB,
    double? SplitBPercent,
    string? Metric,
    double? Mde,
    string? MdeType,
    double? Alpha,
    double? Power,
    int? Sides = null,
    double? Baseline = null,
    double? StdDev = null,
    string? Name = null,
    string? Hypothesis = null)
{
    public const int MaxNameLength = 120;
    public const int MaxHypothesisLength = 2000;

    /// <summary>Checks the shape of the draft (not whether the family and bundles exist); the metric when it is known.</summary>
    public Metric? Check(ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(Family))
        {
            errors.Add("family", "Name the family to experiment on.");
        }

        if (string.IsNullOrWhiteSpace(ArmB))
        {
            errors.Add("armB", "Name arm B: the family's CANARY bundle.");
        }

        if (SplitBPercent is not { } split || split < ExperimentRules.MinSplitBPercent || split > ExperimentRules.MaxSplitBPercent || !Bucketing.HasBucketResolution(split))
        {
            errors.Add("splitBPercent", $"splitBPercent is arm B's share of subjects, from {ExperimentRules.MinSplitBPercent:0} to {ExperimentRules.MaxSplitBPercent:0} with at most two decimals.");
        }

        var metric = MetricCatalog.TryGet(Metric, out var m) && m.Experimented ? m : null;
        if (metric is null)
        {
            errors.Add("metric", $"metric is one of {MetricCatalog.Names(MetricCatalog.Experimented)}.");
        }

        if (Mde is not { } mde || !(mde > 0) || !double.IsFinite(mde))
        {
            errors.Add("mde", "mde, the minimum detectable effect, is above 0.");
        }

        if (MdeType is not (null or "absolute" or "relative"))
        {
            errors.Add("mdeType", "mdeType is absolute or relative.");
        }

        if (Alpha is not { } alpha || !(alpha > 0 && alpha < 0.5))
        {
            errors.Add("alpha", "alpha is above 0 and below 0.5 (0.05 is usual).");
        }

        if (Power is not { } power || !(power > 0.5 && power < 1))
        {
            errors.Add("power", "power is above 0.5 and below 1 (0.8 is usual).");
        }

        if (Sides is not (null or 1 or 2))
        {
            errors.Add("sides", "sides is 1 (one-sided) or 2 (two-sided).");
        }

        if (Baseline is { } baseline && !(double.IsFinite(baseline) && (metric is not { } r || r.Kind != MetricKind.Rate || baseline is > 0 and < 1)))
        {
            errors.Add("baseline", "baseline is the active bundle's value; a rate is between 0 and 1.");
        }

        if (StdDev is { } sd && !(sd > 0 && double.IsFinite(sd)))
        {
            errors.Add("stdDev", "stdDev is above 0.");
        }

        if (Name is { } name && name.Trim().Length > MaxNameLength)
        {
            errors.Add("name", $"The name is at most {MaxNameLength} characters.");
        }

        if (Hypothesis is { } hypothesis && hypothesis.Trim().Length > MaxHypothesisLength)
        {
            errors.Add("hypothesis", $"The hypothesis is at most {MaxHypothesisLength} characters.");
        }

        return metric;
    }

    /// <summary>The plan, or the field error the planner refused a value with.</summary>
    public Outcome<SampleSizeResult> TryPlan(Metric metric, double baseline, double? stdDev) =>
        Inputs.Check(() => Plan(metric, baseline, stdDev), field => field is "mde" or "baseline" or "stdDev" or "alpha" or "power" ? field : "mde");

    /// <summary>
    /// The plan, from the planner's own code: arm B's share makes the allocation ratio k = split / (100 − split), and
    /// the effect is sought in the metric's good direction (a drop for errors, negative feedback and cost, a rise for
    /// quality), which matters for rates, whose variance depends on the level. Throws
    /// <see cref="ArgumentOutOfRangeException"/> named after the field when the planner refuses a value.
    /// </summary>
    public SampleSizeResult Plan(Metric metric, double baseline, double? stdDev) =>
        SampleSizePlanner.Plan(new SampleSizeRequest(
            metric.Kind == MetricKind.Rate ? PlannedMetric.Proportion : PlannedMetric.Mean,
            baseline, metric.HigherIsBetter ? Mde!.Value : -Mde!.Value, MdeType == "relative" ? Statistics.MdeType.Relative : Statistics.MdeType.Absolute, Alpha!.Value, Power!.Value,
            Sides == 1 ? Statistics.Sides.One : Statistics.Sides.Two, stdDev, 1, SplitBPercent!.Value / (100 - SplitBPercent.Value)));
}
