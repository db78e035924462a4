using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Metrics;

/// <summary>
/// The catalog's three readings of a metric agree: what a minute rollup says is what the raw calls say when folded by
/// hand, and a baseline keeps what it is given. Names are unique and every list is drawn from the catalog.
/// </summary>
public sealed class MetricCatalogTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TelemetryBundle Bundle = new(1, 1, "b-v1", null);

    private static (List<CallRecord> Calls, MinuteRollup Rollup) RandomCalls(int seed, int n)
    {
        var random = new Random(seed);
        var calls = new List<CallRecord>();
        var accepted = new List<AcceptedEvent>();
        for (var i = 0; i < n; i++)
        {
            var e = new TelemetryEvent
            {
                RequestId = "r" + i, Bundle = Bundle.Name, Timestamp = T0, LatencyMs = random.NextDouble() * 3_000,
                InputTokens = random.Next(0, 4_000), OutputTokens = random.Next(0, 1_500), Success = random.NextDouble() > 0.07,
                QualityScore = random.NextDouble() < 0.4 ? random.NextDouble() : null,
                Feedback = (Feedback)random.Next(0, 3),
            };
            var cost = random.NextDouble() < 0.9 ? random.NextDouble() / 100 : (double?)null;
            accepted.Add(new AcceptedEvent(i, e, Bundle, T0, cost));
            calls.Add(new CallRecord
            {
                Success = e.Success!.Value, Feedback = e.Feedback, QualityScore = e.QualityScore, CostUsd = cost, LatencyMs = e.LatencyMs!.Value,
                InputTokens = e.InputTokens!.Value, OutputTokens = e.OutputTokens!.Value,
            });
        }

        return (calls, RollupFold.Fold(accepted).Single());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryRateAndMean_ReadsFromTheRollup_WhatItsRawCallsFoldTo(int seed)
    {
        var (calls, rollup) = RandomCalls(seed, 3_000);
        foreach (var metric in MetricCatalog.All.Where(m => m.Kind != MetricKind.Percentile))
        {
            var measured = calls.Where(metric.Measures).ToList();
            var moments = metric.FromRollup!(rollup);
            Assert.Equal(measured.Count, moments.Count);
            Assert.Equal(measured.Sum(metric.ValueOfCall), moments.Sum, 6);
            Assert.Equal(measured.Sum(c => metric.ValueOfCall(c) * metric.ValueOfCall(c)), moments.SumSquares, 3);
        }
    }

    [Fact]
    public void Percentiles_ReadTheMergedHistogram()
    {
        var (calls, rollup) = RandomCalls(4, 2_000);
        var sorted = calls.Select(c => c.LatencyMs).Order().ToList();
        // The histogram is accurate to ±2 % (its buckets' width).
        Assert.Equal(sorted[(int)Math.Ceiling(0.95 * sorted.Count) - 1], MetricCatalog.LatencyP95.ValueOf(rollup)!.Value, sorted[^1] * 0.02);
        Assert.Equal(sorted[(int)Math.Ceiling(0.50 * sorted.Count) - 1], MetricCatalog.LatencyP50.ValueOf(rollup)!.Value, sorted[^1] * 0.02);
    }

    [Fact]
    public void OutputTokensMean_IsTheMeanOfEveryCallsOutputTokens()
    {
        var rollup = new MinuteRollup(1, T0);
        foreach (var tokens in new long[] { 100, 300, 500 })
        {
            rollup.Add(new TelemetryEvent { LatencyMs = 10, OutputTokens = tokens, Success = true }, null);
        }

        var summary = MetricCatalog.OutputTokensMean.FromRollup!(rollup).Summary!;
        Assert.Equal(300, summary.Mean, 12);
        Assert.Equal(200, summary.StdDev, 9); // deviations −200, 0, 200: √(80,000 / 2)
        Assert.Equal("300.0 tokens", MetricCatalog.OutputTokensMean.Format(300));
        Assert.Equal("+12.5 tokens", MetricCatalog.OutputTokensMean.FormatDelta(12.5));
    }

    [Fact]
    public void ABaseline_KeepsEveryMetricsValueAndSpread()
    {
        var baseline = new Baseline(1_000);
        var i = 1.0;
        foreach (var metric in MetricCatalog.All)
        {
            baseline = metric.WithBaseline(baseline, i / 100, metric.BaselineStdDev is null ? null : i / 1_000);
            i++;
        }

        i = 1.0;
        foreach (var metric in MetricCatalog.All)
        {
            Assert.Equal((i / 100, metric.BaselineStdDev is null ? (double?)null : i / 1_000), metric.FromBaseline(baseline));
            i++;
        }

        Assert.True(baseline.HasStatistics);
        Assert.False(new Baseline(10).HasStatistics);
    }

    [Fact]
    public void NamesAreUnique_AndTheListsComeFromTheFlags()
    {
        Assert.Equal(MetricCatalog.All.Count, MetricCatalog.All.Select(m => m.Name).Distinct().Count());
        Assert.Equal(["errorRate", "latencyP95", "qualityMean", "costPerCall", "negativeFeedbackRate", "outputTokensMean"], MetricCatalog.Judged.Select(m => m.Name));
        Assert.Equal(["errorRate", "qualityMean", "costPerCall", "negativeFeedbackRate", "outputTokensMean"], MetricCatalog.Experimented.Select(m => m.Name));
        Assert.All(MetricCatalog.Experimented, m => Assert.NotNull(m.CallValue));
        Assert.True(MetricCatalog.TryGet("outputTokensMean", out var tokens) && tokens.HigherIsWorse);
        Assert.False(MetricCatalog.TryGet("latencyP99", out _));
    }

    [Fact]
    public void ARule_OnOutputTokensMean_IsJudgedByWelch_InItsUnit()
    {
        var rule = new RuleDraft(null, "outputTokensMean", "alert", MinSamples: 100).ToRule(1, new ValidationErrors())!;
        // Candidate 400 calls at 330 ± 60 tokens; active 2,000 calls at 300 ± 60. Welch t = 30 / √(3,600/400 + 3,600/2,000).
        var candidate = new MinuteRollup(1, T0) { Requests = 400, OutputTokens = 400 * 330, OutputTokensSumSquares = 399 * 3_600 + 400 * 330.0 * 330 };
        var active = new MinuteRollup(2, T0) { Requests = 2_000, OutputTokens = 2_000 * 300, OutputTokensSumSquares = 1_999 * 3_600 + 2_000 * 300.0 * 300 };

        var verdict = RuleEvaluator.Evaluate(rule, candidate, active, baseline: null);

        Assert.Equal(30 / Math.Sqrt(3_600.0 / 400 + 3_600.0 / 2_000), verdict.Statistic!.Value, 9);
        Assert.Equal(VerdictKind.Pass, verdict.Kind); // t = 9.13 > 3, but +10 % < the 20 % minimum effect
        Assert.Contains("reference 300.0 tokens ± 60.0 (active, n = 2,000)", verdict.Derivation, StringComparison.Ordinal);
        Assert.Contains("relative rise +10.0 % < 20 %", verdict.Derivation, StringComparison.Ordinal);
        var longer = new MinuteRollup(1, T0) { Requests = 400, OutputTokens = 400 * 380, OutputTokensSumSquares = 399 * 3_600 + 400 * 380.0 * 380 };
        Assert.Equal(VerdictKind.Breach, RuleEvaluator.Evaluate(rule, longer, active, null).Kind);
    }
}
