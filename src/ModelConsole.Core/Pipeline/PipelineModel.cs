using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Pipeline;

/// <summary>A bundle as the pipeline sees it.</summary>
public sealed record BundleState(string Name, Stage Stage, double? Percent, bool RolledBack, DateTime StageEnteredAt, long? PlannedSamples = null);

/// <summary>A family's bundles and routing version; <see cref="LastRollbackVersion"/> is the version a rollback last produced.</summary>
public sealed record FamilyState(string Family, long RoutingVersion, IReadOnlyList<BundleState> Bundles, long? LastRollbackVersion = null)
{
    public BundleState? InStage(Stage stage) => Bundles.FirstOrDefault(b => b.Stage == stage);

    public BundleState? Find(string name) => Bundles.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.Ordinal));

    /// <summary>The last known good: the most recently deprecated bundle not marked rolled back.</summary>
    public BundleState? LastKnownGood => Bundles
        .Where(b => b.Stage == Stage.Deprecated && !b.RolledBack)
        .OrderByDescending(b => b.StageEnteredAt)
        .FirstOrDefault();
}

/// <summary>What a candidate has earned in its current stage: samples since it entered it, and firing alerts.</summary>
public sealed record BundleEvidence(long Samples, int FiringAlerts, IReadOnlyList<Thresholds.Guardrail>? Guardrails = null);

/// <summary>The facts gates are judged on. <see cref="DefaultPlannedSamples"/> is the largest minSamples of the family's rules.</summary>
public sealed record Evidence(IReadOnlyDictionary<string, BundleEvidence> Bundles, long DefaultPlannedSamples)
{
    public static Evidence None(long defaultPlannedSamples) => new(new Dictionary<string, BundleEvidence>(), defaultPlannedSamples);

    public BundleEvidence For(string bundle) => Bundles.TryGetValue(bundle, out var e) ? e : new BundleEvidence(0, 0);
}

/// <summary>Who asks: a person, a key, or a rule; whether they may override failed gates.</summary>
public sealed record PipelineActor(string Name, bool MayOverride, bool IsRule = false);

/// <summary>A transition someone asks for: the bundle, its target stage and percent, a reason, an override, the version decided on.</summary>
public sealed record TransitionRequest(
    string Bundle, Stage To, double? Percent = null, double? MirrorPercent = null, string? Reason = null, bool Override = false, long? ExpectedRoutingVersion = null);

/// <summary>A rollback someone (or a rule) asks for: the target (or the default one), a reason, the version decided on.</summary>
public sealed record RollbackRequest(string? Bundle, string? Reason, long? ExpectedRoutingVersion = null);

/// <summary>One checked condition of a promotion, as the confirmation dialog and the 409 list them.</summary>
public sealed record Gate(string Name, bool Passed, string Detail);

/// <summary>Why a pipeline request changed nothing.</summary>
public enum PipelineFailure
{
    /// <summary>400: the request itself is malformed.</summary>
    Invalid,

    /// <summary>409: the pipeline does not allow this from the current stage.</summary>
    NotAllowed,

    /// <summary>409: gates failed and were not overridden.</summary>
    GatesFailed,

    /// <summary>409: decided on an older routing version while the target is still live.</summary>
    StaleVersion,
}

/// <summary>A bundle moving from one stage to another.</summary>
public sealed record BundleChange(string Bundle, Stage From, Stage To, double? Percent, bool RolledBack);

/// <summary>What the ledger records for one change.</summary>
public sealed record PipelineRecord(string Action, string Bundle, Stage? From, Stage To, double? Percent, string? Reason, bool Automatic, IReadOnlyDictionary<string, object?> Evidence);

/// <summary>The outcome of a pipeline request: changes and their records, or why nothing changed.</summary>
public sealed record PipelineResult(
    IReadOnlyList<BundleChange> Changes,
    IReadOnlyList<PipelineRecord> Records,
    IReadOnlyList<Gate> Gates,
    long RoutingVersion,
    PipelineFailure? Failure = null,
    string? Message = null,
    ValidationErrors? Errors = null,
    bool AlreadyRolledBack = false,
    string? RolledBack = null,
    string? Restored = null)
{
    public bool Succeeded => Failure is null;

    public bool Changed => Changes.Count > 0;
}
