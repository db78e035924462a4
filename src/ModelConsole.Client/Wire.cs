using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelConsole.Client;

/// <summary>A bundle as a gateway serves it (<c>GET /bundles/{name}/content</c>); bundles are immutable.</summary>
public sealed record BundleContent(
    string Name,
    string Family,
    string Provider,
    string ModelId,
    string Prompt,
    string PromptHash,
    JsonElement Config,
    string ConfigHash,
    string BundleHash,
    IReadOnlyList<FallbackTarget> Fallbacks,
    BundlePricing? Pricing);

/// <summary>Per-million-token prices in USD.</summary>
public sealed record BundlePricing(double InputPerMillion, double OutputPerMillion, double? CachedInputPerMillion);

/// <summary>One call as the console's telemetry takes it (API.md "Telemetry").</summary>
public sealed record TelemetryEvent
{
    public required string RequestId { get; init; }
    public required string Bundle { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required double LatencyMs { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long? CachedInputTokens { get; init; }
    public double? CostUsd { get; init; }
    public required bool Success { get; init; }
    public string? ErrorType { get; init; }
    public double? QualityScore { get; init; }
    public string? Feedback { get; init; }
    public string? Subject { get; init; }
    public string? OutputHash { get; init; }
    public string? ShadowOf { get; init; }
    public string? Provider { get; init; }
    public string? ServedModel { get; init; }
}

internal sealed record TelemetryBatch(string BatchId, IReadOnlyList<TelemetryEvent> Events);

internal sealed record Annotation(string RequestId, string Bundle, double? QualityScore, string? Feedback);

internal sealed record AnnotationBatch(IReadOnlyList<Annotation> Annotations);

internal sealed record WireCanary(string Bundle, double Percent);

internal sealed record WireShadow(string Bundle, double MirrorPercent);

internal sealed record WireExperiment(string Id, string? ArmA, string ArmB, double SplitBPercent);

internal sealed record WireFamily(string Name, long RoutingVersion, string? Active, WireCanary? Canary, WireShadow? Shadow, WireExperiment? Experiment);

internal sealed record WireTable(long Version, IReadOnlyList<WireFamily> Families);

internal sealed record RoutingChanged(long Version, string Family, long RoutingVersion);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WireTable))]
[JsonSerializable(typeof(BundleContent))]
[JsonSerializable(typeof(TelemetryBatch))]
[JsonSerializable(typeof(AnnotationBatch))]
[JsonSerializable(typeof(RoutingChanged))]
internal sealed partial class ClientJson : JsonSerializerContext;
