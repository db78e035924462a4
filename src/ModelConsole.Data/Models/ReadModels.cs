using System.Text.Json;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Thresholds;

namespace ModelConsole.Data.Models;

public sealed record CanaryInfo(string Bundle, double Percent);

public sealed record ShadowInfo(string Bundle, double MirrorPercent);

/// <summary>A family's running experiment: its id (the routing salt), arm B and arm B's share of subjects.</summary>
public sealed record ExperimentInfo(string Id, string ArmB, double SplitBPercent);

/// <summary>A family with its live routing, as the overview and <c>GET /families</c> show it.</summary>
public sealed record FamilySummary(
    string Name,
    string? Description,
    string? Owner,
    string? Active,
    CanaryInfo? Canary,
    ShadowInfo? Shadow,
    ExperimentInfo? Experiment,
    string Health,
    int FiringAlerts,
    long RoutingVersion,
    int BundleCount,
    long? HealthAlertId = null);

/// <summary>One row of the bundles grid and of <c>GET /bundles</c>.</summary>
public sealed record BundleRow(
    string Name,
    string Family,
    string Provider,
    string ModelId,
    string Stage,
    double? Percent,
    bool RolledBack,
    string? Parent,
    IReadOnlyList<string> Changed,
    bool MultiVariable,
    string BundleHash,
    DateTime CreatedAt);

/// <summary>A bundle's stage, prices and baseline: what the planner prices and plans with.</summary>
public sealed record PricedBundle(string Name, string Stage, double? Percent, long? PlannedSamples, Pricing? Pricing, Baseline? Baseline);

/// <summary>Everything about one bundle, for its page and <c>GET /bundles/{name}</c>.</summary>
public sealed record BundleDetail(
    string Name,
    string Family,
    string Provider,
    string ModelId,
    string Prompt,
    string PromptHash,
    JsonElement Config,
    string ConfigHash,
    string BundleHash,
    string? Parent,
    IReadOnlyList<string> Changed,
    bool MultiVariable,
    string? Justification,
    Pricing? Pricing,
    Baseline? Baseline,
    IReadOnlyList<FallbackTarget> Fallbacks,
    string? Notes,
    string Stage,
    double? Percent,
    bool RolledBack,
    DateTime StageEnteredAt,
    DateTime CreatedAt,
    string CreatedBy,
    IReadOnlyList<LedgerRecord> Transitions);

/// <summary>A ledger record as the API and the audit page show it.</summary>
public sealed record LedgerRecord(
    long Id,
    DateTime At,
    string Actor,
    string Action,
    string? Family,
    string? Bundle,
    string? From,
    string? To,
    double? Percent,
    string? Reason,
    bool Automatic,
    JsonElement? Evidence);

/// <summary>A page of results and the total they were cut from.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total);

/// <summary>Filters and paging of the bundles grid.</summary>
public sealed record BundleQuery(
    string? Search = null,
    string? Family = null,
    Stage? Stage = null,
    string? Provider = null,
    string SortBy = BundleQuery.SortNewest,
    bool Descending = true,
    int Skip = 0,
    int Take = 50)
{
    public const string SortNewest = "createdAt";
    public const int MaxTake = 500;
}

/// <summary>A family's rules and their version (the ETag of <c>GET /families/{family}/rules</c>).</summary>
public sealed record FamilyRules(int FamilyId, string Family, long Version, IReadOnlyList<Rule> Rules);

/// <summary>An alert as the API, the pages and the hub show it (API.md "Rules and alerts").</summary>
public sealed record AlertRecord(
    long Id,
    string Family,
    string Bundle,
    long RuleId,
    string Metric,
    string Action,
    double? Observed,
    double? Limit,
    string Reference,
    string Derivation,
    string State,
    DateTime RaisedAt,
    DateTime? AcknowledgedAt,
    string? AcknowledgedBy,
    string? Resolution,
    DateTime? ResolvedAt,
    string? ResolvedBy,
    long? RollbackElapsedMs,
    long? SilenceId = null);

/// <summary>Filters of the ledger, newest first.</summary>
public sealed record LedgerQuery(string? Family = null, string? Bundle = null, string? Actor = null, bool? Automatic = null, DateTime? From = null, DateTime? To = null, int Take = 200, long? Before = null)
{
    public const int MaxTake = 1000;
}

/// <summary>A key as the admin page lists it (never its secret or hash).</summary>
public sealed record ApiKeyRecord(
    int Id, string Name, string Prefix, IReadOnlyList<string> Scopes, bool Unlimited, DateTime CreatedAt, string CreatedBy,
    DateTime? RevokedAt, string? RevokedBy, DateTime? LastUsedAt);

/// <summary>The parts of a stored bundle.</summary>
public sealed record BundleParts(string Name, string Family, string Provider, string ModelId, string Prompt, string CanonicalConfig, string PromptHash, string ConfigHash);
