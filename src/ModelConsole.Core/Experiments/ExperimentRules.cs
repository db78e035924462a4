using ModelConsole.Core.Routing;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Thresholds;
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

    /// <summary>The metrics an experiment may decide on: every rule metric but latency p95 (no per-call test of a percentile here).</summary>
    public static readonly IReadOnlyList<RuleMetric> Metrics = [RuleMetric.ErrorRate, RuleMetric.QualityMean, RuleMetric.CostPerCall, RuleMetric.NegativeFeedbackRate];

    public static bool IsRate(RuleMetric metric) => metric is RuleMetric.ErrorRate or RuleMetric.NegativeFeedbackRate;

    /// <summary>Quality is better higher; errors, negative feedback and cost are better lower.</summary>
    public static bool HigherIsBetter(RuleMetric metric) => metric == RuleMetric.QualityMean;

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
    double? StdDev = null)
{
    /// <summary>Checks the shape of the draft (not whether the family and bundles exist); the metric when it is known.</summary>
    public RuleMetric? Check(ValidationErrors errors)
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

        RuleMetric? metric = RuleNames.TryMetric(Metric, out var m) && ExperimentRules.Metrics.Contains(m) ? m : null;
        if (metric is null)
        {
            errors.Add("metric", "metric is one of errorRate, qualityMean, costPerCall, negativeFeedbackRate.");
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

        if (Baseline is { } baseline && !(double.IsFinite(baseline) && (metric is not { } r || !ExperimentRules.IsRate(r) || baseline is > 0 and < 1)))
        {
            errors.Add("baseline", "baseline is the active bundle's value; a rate is between 0 and 1.");
        }

        if (StdDev is { } sd && !(sd > 0 && double.IsFinite(sd)))
        {
            errors.Add("stdDev", "stdDev is above 0.");
        }

        return metric;
    }

    /// <summary>
    /// The plan, from the planner's own code: arm B's share makes the allocation ratio k = split / (100 − split), and
    /// the effect is sought in the metric's good direction (a drop for errors, negative feedback and cost, a rise for
    /// quality), which matters for rates, whose variance depends on the level. Throws
    /// <see cref="ArgumentOutOfRangeException"/> named after the field when the planner refuses a value.
    /// </summary>
    public SampleSizeResult Plan(RuleMetric metric, double baseline, double? stdDev) =>
        SampleSizePlanner.Plan(new SampleSizeRequest(
            ExperimentRules.IsRate(metric) ? PlannedMetric.Proportion : PlannedMetric.Mean,
            baseline, ExperimentRules.HigherIsBetter(metric) ? Mde!.Value : -Mde!.Value, MdeType == "relative" ? Statistics.MdeType.Relative : Statistics.MdeType.Absolute, Alpha!.Value, Power!.Value,
            Sides == 1 ? Statistics.Sides.One : Statistics.Sides.Two, stdDev, 1, SplitBPercent!.Value / (100 - SplitBPercent.Value)));
}
