namespace ModelConsole.Core.Ledger;

/// <summary>The names of what a ledger record says happened.</summary>
public static class LedgerActions
{
    public const string FamilyCreated = "family-created";
    public const string BundleRegistered = "bundle-registered";
    public const string Seeded = "seeded";
    public const string Transition = "transition";
    public const string Ramp = "ramp";
    public const string Deprecated = "deprecated";
    public const string RolledBack = "rolled-back";
    public const string Restored = "restored";
    public const string UserCreated = "user-created";
    public const string UserRolesChanged = "user-roles-changed";
    public const string UserDisabled = "user-disabled";
    public const string UserEnabled = "user-enabled";
    public const string UserPasswordReset = "user-password-reset";
    public const string ApiKeyCreated = "api-key-created";
    public const string ApiKeyRevoked = "api-key-revoked";
    public const string PlanAttached = "plan-attached";
    public const string RulesChanged = "rules-changed";
    public const string BaselineCaptured = "baseline-captured";
    public const string ExperimentStarted = "experiment-started";
    public const string ExperimentConcluded = "experiment-concluded";
    public const string ExperimentEnded = "experiment-ended";
    public const string SilenceCreated = "silence-created";
    public const string SilenceEnded = "silence-ended";
    public const string DemoDegraded = "demo-degraded";
    public const string DemoDegradationStopped = "demo-degradation-stopped";
}

/// <summary>How actors are written in the ledger: a user name, <c>key:&lt;name&gt;</c> or <c>rule:&lt;id&gt;</c>.</summary>
public static class Actors
{
    public const string System = "system";

    public static string ForKey(string keyName) => "key:" + keyName;

    public static string ForRule(long ruleId) => "rule:" + ruleId;
}

/// <summary>
/// What Core decided the ledger should say of an action (stores add who and when, and commit it with the change):
/// the action, the bundle, percent, reason, whether it was automatic, and the evidence it was decided on.
/// </summary>
public sealed record LedgerEntry(
    string Action,
    string? Bundle,
    string? Reason,
    IReadOnlyDictionary<string, object?> Evidence,
    bool Automatic = false,
    double? Percent = null);
