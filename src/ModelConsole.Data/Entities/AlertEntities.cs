namespace ModelConsole.Data.Entities;

/// <summary>One threshold rule of a family (Core's <c>Rule</c>), in the order the family lists them.</summary>
public sealed class RuleEntity
{
    public long Id { get; set; }
    public int FamilyId { get; set; }
    public int Position { get; set; }
    public required string Metric { get; set; }
    public required string Action { get; set; }
    public double Z { get; set; }
    public double MinEffect { get; set; }
    public double MinAbsoluteEffect { get; set; }
    public double Tolerance { get; set; }
    public int WindowMinutes { get; set; }
    public long MinSamples { get; set; }
    public int Consecutive { get; set; }

    /// <summary>"window" or "sequential" (rules written before sequential tests existed are window rules).</summary>
    public string Test { get; set; } = "window";

    /// <summary>The sequential test's level (kept for window rules too, unused there).</summary>
    public double Alpha { get; set; } = 0.05;
}

/// <summary>
/// An alert a rule raised. While it is open (firing or acknowledged) it is the only open one for its bundle and rule:
/// a partial unique index says so, so two evaluations racing cannot raise it twice.
/// </summary>
public sealed class AlertEntity
{
    public const string Firing = "firing";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    public long Id { get; set; }
    public int FamilyId { get; set; }
    public required string Family { get; set; }
    public int BundleId { get; set; }
    public required string Bundle { get; set; }
    public long RuleId { get; set; }
    public required string Metric { get; set; }
    public required string Action { get; set; }
    public double? Observed { get; set; }
    public double? Limit { get; set; }
    public required string Reference { get; set; }
    public required string Derivation { get; set; }
    public required string State { get; set; }
    public DateTime RaisedAt { get; set; }
    public DateTime? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public string? Resolution { get; set; }
    public DateTime? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public string? ResolveReason { get; set; }
    public long? RollbackElapsedMs { get; set; }

    /// <summary>The silence that covered it when it was raised (it was stored, not toasted nor sent).</summary>
    public long? SilenceId { get; set; }
}

/// <summary>A silence of a family's alert rules, or of one rule (Core's <c>Silence</c>).</summary>
public sealed class SilenceEntity
{
    public long Id { get; set; }
    public int FamilyId { get; set; }
    public required string Family { get; set; }
    public long? RuleId { get; set; }
    public required string Reason { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime EndsAt { get; set; }
    public DateTime? EndedAt { get; set; }
    public string? EndedBy { get; set; }
}

/// <summary>
/// A rule's memory for one bundle between evaluations (Core's <c>RuleState</c>): breaches in a row with the newest data
/// the last counted one saw, healthy verdicts in a row, and the latest verdict's kind (the family's health reads it, on any
/// node). Kept so a restart neither forgets a breach nor counts one twice.
/// </summary>
public sealed class RuleStateEntity
{
    public int BundleId { get; set; }
    public long RuleId { get; set; }
    public int Breaches { get; set; }
    public int Healthy { get; set; }
    public DateTime? LastCountedDataAt { get; set; }

    /// <summary>The latest verdict: <c>pass</c>, <c>breach</c> or <c>inconclusive</c>; null for states kept before it was.</summary>
    public string? Verdict { get; set; }

    public DateTime UpdatedAt { get; set; }
}
