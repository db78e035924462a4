using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Tests.Statistics;

public sealed class ComparisonTests
{
    [Fact]
    public void Summary_FromSums_MatchesTheTwoPassSummary()
    {
        // R's sleep data, group 1: mean 0.75, sd 1.789010.
        double[] extra = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        var fromSums = Comparison.Summary(extra.Length, extra.Sum(), extra.Sum(x => x * x))!;
        Assert.Equal(0.75, fromSums.Mean, 12);
        Assert.Equal(1.789010, fromSums.StdDev, 6);
        Assert.Null(Comparison.Summary(1, 3, 9));
    }

    [Fact]
    public void Rows_WithFewerThanTwoSamples_HaveValuesButNoStatistics()
    {
        var active = new MinuteRollup(1, DateTime.UnixEpoch) { Requests = 500, Errors = 10 };
        var candidate = new MinuteRollup(2, DateTime.UnixEpoch) { Requests = 1, Errors = 1 };
        var errors = Comparison.Rows(active, candidate, minSamples: 200).Single(r => r.Metric == MetricCatalog.ErrorRate.Name);
        Assert.Equal((0.02, 1.0), (errors.Active, errors.Candidate));
        Assert.Equal(49, errors.RelativeDelta!.Value, 10);
        Assert.Null(errors.PValue);
        Assert.False(errors.EnoughData);
        // No scored calls: no quality at all.
        var quality = Comparison.Rows(active, candidate, 200).Single(r => r.Metric == MetricCatalog.QualityMean.Name);
        Assert.Null(quality.Active);
        Assert.Null(quality.Delta);
    }

    [Fact]
    public void Paired_WithoutDiscordantPairs_HasNoMcNemar_AndNoVariationNoTTest()
    {
        var totals = new PairedTotals(10, 10, 0, 0, 0, 10, 7, 0, 0, 0, 1000, 100_000);
        var paired = Comparison.Paired(totals);
        Assert.Null(paired.McNemar);
        Assert.Equal(0.7, paired.Agreement);
        Assert.Null(paired.Quality);
        Assert.Null(paired.Latency); // every difference is 100 ms: no spread, no t
        Assert.True(MetricCatalog.ErrorRate.HigherIsWorse);
        Assert.False(MetricCatalog.QualityMean.HigherIsWorse);
    }
}
