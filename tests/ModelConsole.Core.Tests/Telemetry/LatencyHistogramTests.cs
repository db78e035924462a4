using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Tests.Telemetry;

public class LatencyHistogramTests
{
    [Theory]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(12.345)]
    [InlineData(250)]
    [InlineData(999.99)]
    [InlineData(30_000)]
    [InlineData(3_600_000)]
    public void EveryValue_LandsInABucketWhoseRepresentativeIsWithinTwoPercent(double latency)
    {
        var bucket = LatencyHistogram.BucketOf(latency);
        Assert.InRange(latency, LatencyHistogram.LowerBound(bucket), LatencyHistogram.LowerBound(bucket + 1));
        Assert.True(Math.Abs(LatencyHistogram.Representative(bucket) - latency) <= 0.02 * latency);
    }

    [Fact]
    public void BucketBoundaries_BelongToTheUpperBucket()
    {
        for (var b = 2; b < LatencyHistogram.MaxBucket; b += 7)
        {
            Assert.Equal(b, LatencyHistogram.BucketOf(LatencyHistogram.LowerBound(b)));
            Assert.Equal(b - 1, LatencyHistogram.BucketOf(Math.BitDecrement(LatencyHistogram.LowerBound(b))));
        }
    }

    [Fact]
    public void ZeroAndTinyValues_GoToBucketZero_AndHugeOnesToTheLast()
    {
        Assert.Equal(0, LatencyHistogram.BucketOf(0));
        Assert.Equal(0, LatencyHistogram.BucketOf(0.009));
        Assert.Equal(LatencyHistogram.MaxBucket, LatencyHistogram.BucketOf(1e12));
        Assert.True(LatencyHistogram.BucketOf(TelemetryValidation.MaxLatencyMs) < LatencyHistogram.MaxBucket);
    }

    [Fact]
    public void Percentile_IsTheNearestRank_ReadFromBuckets()
    {
        var random = new Random(42);
        var values = Enumerable.Range(0, 5001).Select(_ => Math.Exp(random.NextDouble() * 9)).ToList();
        var counts = values.GroupBy(LatencyHistogram.BucketOf).OrderBy(g => g.Key)
            .Select(g => new KeyValuePair<int, long>(g.Key, g.Count())).ToList();
        var sorted = values.Order().ToList();
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0 })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Count) - 1];
            var estimate = LatencyHistogram.Percentile(counts, q)!.Value;
            Assert.True(Math.Abs(estimate - exact) <= 0.02 * exact, $"q={q}: {estimate} vs {exact}");
        }
    }

    [Fact]
    public void Percentile_OfRoundCounts_IsNotThrownOffByBinaryFractions()
    {
        // 0.95 × 100 = 95.00000000000001 in binary: the 95th value, not the 96th.
        var counts = new List<KeyValuePair<int, long>> { new(10, 95), new(500, 5) };
        Assert.Equal(LatencyHistogram.Representative(10), LatencyHistogram.Percentile(counts, 0.95));
        Assert.Null(LatencyHistogram.Percentile([], 0.5));
    }
}
