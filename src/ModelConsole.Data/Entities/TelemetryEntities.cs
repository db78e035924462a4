using ModelConsole.Core.Telemetry;

namespace ModelConsole.Data.Entities;

/// <summary>
/// One raw gateway report, kept for <c>Telemetry:RawRetentionHours</c>: it de-duplicates re-sent batches (unique
/// request id and bundle) and pairs shadow calls with their primary. Written by <see cref="Stores.TelemetryStore"/>
/// with prepared statements, never through change tracking.
/// </summary>
public sealed class TelemetryEventEntity
{
    public long Id { get; set; }
    public required string RequestId { get; set; }
    public int BundleId { get; set; }
    public int FamilyId { get; set; }
    public DateTime Timestamp { get; set; }
    public DateTime ReceivedAt { get; set; }
    public double LatencyMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public double? CostUsd { get; set; }
    public bool Success { get; set; }
    public string? ErrorType { get; set; }
    public double? QualityScore { get; set; }
    public Feedback Feedback { get; set; }
    public string? Subject { get; set; }
    public string? OutputHash { get; set; }
    public double? Agreement { get; set; }

    /// <summary>For a shadow call: the request id of the primary call it mirrored.</summary>
    public string? ShadowOf { get; set; }

    /// <summary>For a shadow call: the primary's event once both have arrived (either order).</summary>
    public long? PrimaryEventId { get; set; }
    public string? Provider { get; set; }

    /// <summary>The model the call asked its provider for; null means the bundle's own.</summary>
    public string? ServedModel { get; set; }
    public bool Simulated { get; set; }
}

/// <summary>A bundle's events of one UTC minute, as sums (see <see cref="MinuteRollup"/>).</summary>
public sealed class RollupEntity
{
    public int BundleId { get; set; }
    public DateTime Minute { get; set; }
    public long Requests { get; set; }
    public long Errors { get; set; }
    public double LatencySumMs { get; set; }
    public long QualityCount { get; set; }
    public double QualitySum { get; set; }
    public double QualitySumSquares { get; set; }
    public long InputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long OutputTokens { get; set; }
    public double OutputTokensSumSquares { get; set; }
    public long CostCount { get; set; }
    public double CostSum { get; set; }
    public double CostSumSquares { get; set; }
    public long PositiveFeedback { get; set; }
    public long NegativeFeedback { get; set; }
    public long Simulated { get; set; }
    public long Mirrored { get; set; }
    public DateTime? NewestReceivedAt { get; set; }
}

/// <summary>One latency bucket's count in a bundle's minute: histograms merge by adding rows.</summary>
public sealed class RollupLatencyEntity
{
    public int BundleId { get; set; }
    public DateTime Minute { get; set; }
    public int Bucket { get; set; }
    public long Count { get; set; }
}

/// <summary>Failed events of one error type in a bundle's minute.</summary>
public sealed class RollupErrorEntity
{
    public int BundleId { get; set; }
    public DateTime Minute { get; set; }
    public required string ErrorType { get; set; }
    public long Count { get; set; }
}
