namespace ModelConsole.Core.Telemetry;

/// <summary>User feedback on an answer, as gateways report it.</summary>
public enum Feedback : byte
{
    None = 0,
    Positive = 1,
    Negative = 2,
}

/// <summary>
/// One gateway report as read from a batch, before validation: a field the reader could not read as its type is
/// left null and named in the event's errors, so validation can reject the event by index without failing the batch.
/// </summary>
public sealed class TelemetryEvent
{
    public string? RequestId { get; set; }
    public string? Bundle { get; set; }
    public DateTime? Timestamp { get; set; }
    public double? LatencyMs { get; set; }
    public long? InputTokens { get; set; }
    public long? OutputTokens { get; set; }
    public long? CachedInputTokens { get; set; }
    public double? CostUsd { get; set; }
    public bool? Success { get; set; }
    public string? ErrorType { get; set; }
    public double? QualityScore { get; set; }
    public Feedback Feedback { get; set; }
    public string? Subject { get; set; }
    public string? OutputHash { get; set; }
    public double? Agreement { get; set; }
    public string? ShadowOf { get; set; }
    public string? Provider { get; set; }

    /// <summary>The model the call asked its provider for (a failover when it is not the bundle's own).</summary>
    public string? ServedModel { get; set; }

    public bool Simulated { get; set; }

    /// <summary>Reading errors (a field of the wrong type), keyed by field; null while there are none.</summary>
    public Validation.ValidationErrors? Errors { get; set; }

    internal void AddError(string field, string message) => (Errors ??= new()).Add(field, message);
}

/// <summary>What ingest needs to know about a registered bundle: its ids and its prices.</summary>
public sealed record TelemetryBundle(int Id, int FamilyId, string Name, Bundles.Pricing? Pricing);

/// <summary>A validated event ready to store: the bundle resolved, the time in UTC and the cost known when it can be.</summary>
public readonly record struct AcceptedEvent(int Index, TelemetryEvent Event, TelemetryBundle Bundle, DateTime Timestamp, double? CostUsd);
