namespace ModelConsole.Core.Thresholds;

/// <summary>
/// A rule's memory between evaluations for one bundle: breaching verdicts in a row (each on new data), healthy ones
/// in a row, the newest data a counted breach saw, and the kind of the latest verdict (what the family's health reads;
/// null before the first evaluation).
/// </summary>
public sealed record RuleState(int Breaches, int Healthy, DateTime? LastCountedDataAt, VerdictKind? Latest = null)
{
    public static readonly RuleState Initial = new(0, 0, null);

    /// <summary>
    /// The state after <paramref name="verdict"/>. A breach counts only when the window holds data newer than the last
    /// counted one (re-judging the same data is not new evidence); a pass clears the breaches; an inconclusive verdict
    /// changes nothing but the latest kind. <c>Act</c> is true when the breaches reach the rule's <c>consecutive</c>. Healthy verdicts are
    /// counted up to <paramref name="healthyCap"/> (past the count that resolves an alert they say nothing more, and a
    /// state that no longer changes is not written again).
    /// </summary>
    public (RuleState State, bool Act) Next(Verdict verdict, DateTime? newestDataAt, int healthyCap = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        switch (verdict.Kind)
        {
            case VerdictKind.Breach:
                var isNew = newestDataAt is { } t && (LastCountedDataAt is not { } last || t > last);
                var next = isNew ? new RuleState(Breaches + 1, 0, newestDataAt, VerdictKind.Breach) : this with { Healthy = 0, Latest = VerdictKind.Breach };
                return (next, next.Breaches >= verdict.Rule.Consecutive);
            case VerdictKind.Pass:
                return (new RuleState(0, Math.Min(healthyCap, Healthy + 1), LastCountedDataAt, VerdictKind.Pass), false);
            default:
                return (this with { Latest = verdict.Kind }, false);
        }
    }
}
