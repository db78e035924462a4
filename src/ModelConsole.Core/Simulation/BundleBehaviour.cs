using ModelConsole.Core.Bundles;

namespace ModelConsole.Core.Simulation;

/// <summary>
/// How a bundle's simulated calls behave, derived from its registered baseline and prices: a log-normal latency
/// fitted to p50 and p95, errors at the baseline rate, quality from a beta distribution with the baseline's mean and
/// standard deviation, and tokens sized so that a call costs the baseline's cost per call at the bundle's prices.
/// </summary>
public sealed record BundleBehaviour(
    double ErrorRate,
    double LatencyMedianMs,
    double LatencySigma,
    double AddedLatencyMs,
    double QualityMean,
    double QualityStdDev,
    double NegativeFeedbackRate,
    double MedianInputTokens,
    double MedianOutputTokens,
    bool HasCachedPrice)
{
    /// <summary>z of the 95th percentile of the standard normal, to fit a log-normal through p50 and p95.</summary>
    private const double Z95 = 1.6448536269514722;

    public const double InputSigma = 0.4;
    public const double OutputSigma = 0.5;
    public const double InputPerOutput = 4;
    public const double CacheHitShare = 0.4;
    public const double CachedPartOnHit = 0.6;

    public static BundleBehaviour From(Baseline? baseline, Pricing? pricing)
    {
        var p50 = baseline?.LatencyP50Ms is { } median && median > 0 ? median : 800;
        var sigma = baseline?.LatencyP95Ms is { } p95 && p95 > p50 ? Math.Log(p95 / p50) / Z95 : 0.5;
        var quality = Math.Clamp(baseline?.QualityMean ?? 0.8, 0.02, 0.98);
        var qualitySd = baseline?.QualityStdDev is { } sd && sd > 0 ? sd : 0.12;
        var errorRate = Math.Clamp(baseline?.ErrorRate ?? 0.01, 0, 1);
        var negative = Math.Clamp(baseline?.NegativeFeedbackRate ?? errorRate * 2.5, 0, 1);
        var output = OutputTokensFor(baseline?.CostPerCallUsd, pricing);
        return new BundleBehaviour(errorRate, p50, sigma, 0, quality, qualitySd, negative, output * InputPerOutput, output, pricing?.CachedInputPerMillion is not null);
    }

    /// <summary>The behaviour with the degradations that are active at <paramref name="utc"/> applied.</summary>
    public BundleBehaviour Degraded(IEnumerable<Degradation> degradations, DateTime utc)
    {
        var result = this;
        foreach (var d in degradations)
        {
            if (!d.IsActiveAt(utc))
            {
                continue;
            }

            result = d.Kind switch
            {
                DegradationKind.ErrorRate => result with { ErrorRate = Math.Min(1, result.ErrorRate * d.Amount) },
                DegradationKind.Latency => result with { AddedLatencyMs = result.AddedLatencyMs + d.Amount },
                // Worse answers draw more thumbs-down: the negative-feedback rate grows with the drop.
                _ => result with
                {
                    QualityMean = Math.Max(0.02, result.QualityMean - d.Amount),
                    NegativeFeedbackRate = Math.Min(0.9, result.NegativeFeedbackRate * (1 + 4 * d.Amount)),
                },
            };
        }

        return result;
    }

    /// <summary>
    /// Output tokens (median) such that the expected cost of a call matches the baseline's cost per call: input is
    /// <see cref="InputPerOutput"/> times output, both log-normal, and a share of calls hits the provider's cache.
    /// </summary>
    private static double OutputTokensFor(double? costPerCall, Pricing? pricing)
    {
        const double fallback = 300;
        if (costPerCall is not > 0 || pricing is null)
        {
            return fallback;
        }

        var cachedShare = pricing.CachedInputPerMillion is null ? 0 : CacheHitShare * CachedPartOnHit;
        var inputPrice = pricing.InputPerMillion * (1 - cachedShare) + (pricing.CachedInputPerMillion ?? 0) * cachedShare;
        var perOutputToken = (InputPerOutput * Math.Exp(InputSigma * InputSigma / 2) * inputPrice
            + Math.Exp(OutputSigma * OutputSigma / 2) * pricing.OutputPerMillion) / 1_000_000;
        return perOutputToken > 0 ? Math.Clamp(costPerCall.Value / perOutputToken, 1, 100_000) : fallback;
    }
}
