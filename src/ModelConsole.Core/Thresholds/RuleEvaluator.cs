using ModelConsole.Core.Bundles;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Thresholds;

/// <summary>What a rule says of one window.</summary>
public enum VerdictKind
{
    /// <summary>Too few samples, or nothing to compare with: never a pass, never a breach.</summary>
    Inconclusive,

    /// <summary>Judged and within the rule.</summary>
    Pass,

    /// <summary>Judged and over the rule.</summary>
    Breach,
}

/// <summary>A baseline a bundle can be judged against, and where it came from ("registered" or "captured").</summary>
public sealed record BaselineReference(Baseline Baseline, string Source);

/// <summary>
/// A rule's verdict on one window, with its derivation in words and numbers: what it compared with (the active
/// bundle in the same window, or a baseline), the statistic and each condition.
/// </summary>
public sealed record Verdict(
    VerdictKind Kind,
    Rule Rule,
    double? Observed,
    double? Limit,
    double? ReferenceValue,
    string Reference,
    long Samples,
    double? Statistic,
    string Derivation);

/// <summary>
/// Judges a bundle's window against its reference exactly as DESIGN.md "Thresholds relative to the baseline" says:
/// the active bundle's traffic in the same window when it has <c>minSamples</c> there, else the baseline (whose
/// sample count enters the variance). The statistic is the rule's own (<see cref="Rule.Test"/>): rates by the pooled
/// one-sided two-proportion z, means by Welch's statistic, p95 by the share of calls slower than the reference p95 ×
/// (1 + tolerance) tested as a rate against 5 %.
/// </summary>
public static class RuleEvaluator
{
    /// <summary>The share of calls slower than a healthy p95 limit.</summary>
    public const double TailShare = TailWindowTest.TailShare;

    /// <param name="rule">The rule.</param>
    /// <param name="candidate">The judged bundle's window, folded.</param>
    /// <param name="active">The ACTIVE bundle's same window, or null when the judged bundle is the active one.</param>
    /// <param name="baseline">The judged bundle's baseline (captured at promotion, else registered), if any.</param>
    public static Verdict Evaluate(Rule rule, MinuteRollup candidate, MinuteRollup? active, BaselineReference? baseline)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(candidate);
        return rule.Test.Judge(rule, rule.Metric.Read(candidate), active is null ? null : rule.Metric.Read(active), baseline);
    }

    /// <summary>
    /// A sequential rule's verdict (<see cref="SequentialTest"/>) on each ramp step's candidate and ACTIVE totals since
    /// the stage began; without steps (the judged bundle is the ACTIVE one) there is nothing to compare: inconclusive.
    /// </summary>
    public static Verdict EvaluateSequential(Rule rule, double tuningSamples, IReadOnlyList<(MinuteRollup Candidate, MinuteRollup Active)>? steps)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (steps is null)
        {
            return new Verdict(VerdictKind.Inconclusive, rule, null, null, null, "none", 0, null,
                "a sequential rule judges a candidate against the active bundle since its stage began; there is no candidate → inconclusive");
        }

        return SequentialTest.Judge(rule, tuningSamples, steps.Select(s => new RampStepWindow(rule.Metric.Read(s.Candidate), rule.Metric.Read(s.Active))).ToList());
    }

    /// <summary>A sequential rule read as a guardrail (<see cref="SequentialTest.Guard"/>) on each ramp step's candidate and ACTIVE totals.</summary>
    public static Guardrail Guard(Rule rule, double tuningSamples, IReadOnlyList<(MinuteRollup Candidate, MinuteRollup Active)> steps)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(steps);
        return SequentialTest.Guard(rule, tuningSamples, steps.Select(s => new RampStepWindow(rule.Metric.Read(s.Candidate), rule.Metric.Read(s.Active))).ToList());
    }
}
