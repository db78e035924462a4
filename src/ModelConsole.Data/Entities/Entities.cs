using ModelConsole.Core.Bundles;

namespace ModelConsole.Data.Entities;

/// <summary>An entity whose application-managed <see cref="Version"/> guards concurrent updates.</summary>
public interface IVersioned
{
    long Version { get; set; }
}

public sealed class FamilyEntity : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Owner { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }

    /// <summary>Bumped by every change to the family's routing.</summary>
    public long RoutingVersion { get; set; }

    /// <summary>The routing version the family's last rollback produced (for idempotent rollbacks).</summary>
    public long? LastRollbackVersion { get; set; }

    /// <summary>Bumped by every change of the family's rules: their ETag.</summary>
    public long RulesVersion { get; set; }
    public long Version { get; set; }
    public List<BundleEntity> Bundles { get; set; } = [];
}

public sealed class BundleEntity : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public int FamilyId { get; set; }
    public FamilyEntity Family { get; set; } = null!;
    public required string Provider { get; set; }
    public required string ModelId { get; set; }
    public required string Prompt { get; set; }
    public required string PromptHash { get; set; }

    /// <summary>The config in its canonical (RFC 8785) form, the text its hash is taken of.</summary>
    public required string Config { get; set; }
    public required string ConfigHash { get; set; }
    public required string BundleHash { get; set; }
    public int? ParentId { get; set; }
    public BundleEntity? Parent { get; set; }
    public ChangedParts Changed { get; set; }
    public bool MultiVariable { get; set; }
    public string? Justification { get; set; }
    public string? Notes { get; set; }

    public double? PriceInputPerMillion { get; set; }
    public double? PriceOutputPerMillion { get; set; }
    public double? PriceCachedInputPerMillion { get; set; }

    /// <summary>The baseline registered with the bundle (offline eval), as JSON in the API's shape; null without one.</summary>
    public string? RegisteredBaseline { get; set; }

    /// <summary>A baseline captured from the bundle's own canary traffic when it was promoted (JSON), and when.</summary>
    public string? CapturedBaseline { get; set; }
    public DateTime? CapturedBaselineAt { get; set; }

    /// <summary>The failover chain as a JSON array of { provider, modelId }.</summary>
    public string Fallbacks { get; set; } = "[]";

    public Stage Stage { get; set; }

    /// <summary>Canary percent (CANARY) or mirror percent (SHADOW); null in other stages.</summary>
    public double? TrafficPercent { get; set; }
    public bool RolledBack { get; set; }
    public DateTime StageEnteredAt { get; set; }

    /// <summary>The planned sample size per arm attached from the planner; the pipeline's gates use it.</summary>
    public long? PlannedSamples { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public long Version { get; set; }
}

/// <summary>An append-only audit record. Names, not keys, so history outlives anything it mentions.</summary>
public sealed class LedgerEntryEntity
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Family { get; set; }
    public string? Bundle { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public double? Percent { get; set; }
    public string? Reason { get; set; }
    public bool Automatic { get; set; }

    /// <summary>A JSON object with the facts the action was decided on.</summary>
    public string? Evidence { get; set; }
}

/// <summary>Facts about the database itself, e.g. that it holds demo data.</summary>
public sealed class MetaEntity
{
    public const string DemoKey = "demo";

    public required string Key { get; set; }
    public required string Value { get; set; }
}
