namespace ModelConsole.Core.Bundles;

/// <summary>Per-million-token prices in USD; cached input tokens are part of the input tokens and may have their own price.</summary>
public sealed record Pricing(double InputPerMillion, double OutputPerMillion, double? CachedInputPerMillion = null);

/// <summary>A registered baseline from offline evaluation; <see cref="Samples"/> weighs it as a reference.</summary>
public sealed record Baseline(
    long? Samples,
    double? ErrorRate = null,
    double? QualityMean = null,
    double? QualityStdDev = null,
    double? LatencyP50Ms = null,
    double? LatencyP95Ms = null,
    double? CostPerCallUsd = null,
    double? CostPerCallStdDevUsd = null,
    double? NegativeFeedbackRate = null,
    double? OutputTokensMean = null,
    double? OutputTokensStdDev = null)
{
    /// <summary>True when the baseline gives any metric a value or a spread.</summary>
    public bool HasStatistics => Metrics.MetricCatalog.All.Any(m => m.FromBaseline(this) is { Value: not null } or { StdDev: not null });
}
