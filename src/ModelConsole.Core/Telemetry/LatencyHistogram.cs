namespace ModelConsole.Core.Telemetry;

/// <summary>
/// Fixed log-scale latency buckets: bucket b ≥ 1 holds [L·γ^(b−1), L·γ^b) with γ = 1.04 and L = 0.01 ms, so the
/// bucket's geometric middle is within √γ − 1 ≈ 1.98 % of any value in it; bucket 0 holds [0, L). Fixed buckets make
/// per-minute histograms mergeable by adding counts, which is what turns rollups into percentiles over any window.
/// </summary>
public static class LatencyHistogram
{
    public const double Growth = 1.04;
    public const double LowestMs = 0.01;

    /// <summary>The last bucket, from about 44 hours up (ingest refuses latencies over a day, so it stays empty).</summary>
    public const int MaxBucket = 600;

    private static readonly double LogGrowth = Math.Log(Growth);

    /// <summary>The bucket a latency falls into (negative or NaN is a caller error and lands in 0).</summary>
    public static int BucketOf(double latencyMs)
    {
        if (!(latencyMs >= LowestMs))
        {
            return 0;
        }

        var b = (int)Math.Floor(Math.Log(latencyMs / LowestMs) / LogGrowth) + 1;
        // Floating point may put a value sitting on a boundary one bucket off; the bounds decide.
        if (b > 1 && latencyMs < LowerBound(b))
        {
            b--;
        }
        else if (b < MaxBucket && latencyMs >= LowerBound(b + 1))
        {
            b++;
        }

        return Math.Clamp(b, 1, MaxBucket);
    }

    public static double LowerBound(int bucket) => bucket <= 0 ? 0 : LowestMs * Math.Pow(Growth, bucket - 1);

    /// <summary>The value reported for a bucket: its geometric middle (half the lowest bound for bucket 0).</summary>
    public static double Representative(int bucket) =>
        bucket <= 0 ? LowestMs / 2 : LowerBound(bucket) * Math.Sqrt(Growth);

    /// <summary>
    /// The nearest-rank percentile (the smallest value with at least q·n values at or below it) read from merged
    /// bucket counts; null when there are none. <paramref name="counts"/> must be ordered by bucket.
    /// </summary>
    public static double? Percentile(IReadOnlyList<KeyValuePair<int, long>> counts, double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        long total = 0;
        foreach (var (_, count) in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        // Rounded first: 0.95 × 100 is 95.00000000000001 in binary, which must still be rank 95.
        var rank = Math.Max(1, (long)Math.Ceiling(Math.Round(q * total, 9)));
        long seen = 0;
        foreach (var (bucket, count) in counts)
        {
            seen += count;
            if (seen >= rank)
            {
                return Representative(bucket);
            }
        }

        return Representative(counts[^1].Key);
    }
}
