using ModelConsole.Core.Bundles;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Thresholds;

/// <summary>A baseline captured from a bundle's own live traffic (at its promotion, from its canary minutes).</summary>
public static class BaselineCapture
{
    /// <summary>The baseline the folded window says, or null when it holds no calls.</summary>
    public static Baseline? From(MinuteRollup window)
    {
        if (window.Requests == 0)
        {
            return null;
        }

        var quality = Comparison.Summary(window.QualityCount, window.QualitySum, window.QualitySumSquares);
        var cost = Comparison.Summary(window.CostCount, window.CostSum, window.CostSumSquares);
        return new Baseline(
            window.Requests,
            (double)window.Errors / window.Requests,
            quality?.Mean,
            quality?.StdDev,
            window.LatencyPercentile(0.50),
            window.LatencyPercentile(0.95),
            cost?.Mean,
            cost?.StdDev,
            (double)window.NegativeFeedback / window.Requests);
    }
}

/// <summary>A baseline's figures for one rule metric: its value (a rate, a mean or the p95) and, for a mean, its spread.</summary>
public static class BaselineValues
{
    public static (double? Value, double? StdDev) Of(Baseline baseline, RuleMetric metric)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return metric switch
        {
            RuleMetric.ErrorRate => (baseline.ErrorRate, null),
            RuleMetric.NegativeFeedbackRate => (baseline.NegativeFeedbackRate, null),
            RuleMetric.QualityMean => (baseline.QualityMean, baseline.QualityStdDev),
            RuleMetric.CostPerCall => (baseline.CostPerCallUsd, baseline.CostPerCallStdDevUsd),
            _ => (baseline.LatencyP95Ms, null),
        };
    }
}
