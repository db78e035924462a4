namespace ModelConsole.Core.Telemetry;

/// <summary>
/// One bundle's events of one UTC minute, folded: every field is a count or a sum, so two rollups of the same
/// minute merge by adding (which is how concurrent batches and late events land in the same row).
/// </summary>
public sealed class MinuteRollup(int bundleId, DateTime minute)
{
    public int BundleId { get; } = bundleId;
    public DateTime Minute { get; } = minute;
    public long Requests { get; set; }
    public long Errors { get; set; }
    public double LatencySumMs { get; set; }
    public long QualityCount { get; set; }
    public double QualitySum { get; set; }
    public double QualitySumSquares { get; set; }
    public long InputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CostCount { get; set; }
    public double CostSum { get; set; }
    public double CostSumSquares { get; set; }
    public long PositiveFeedback { get; set; }
    public long NegativeFeedback { get; set; }
    public long Simulated { get; set; }

    /// <summary>Latency bucket → count (see <see cref="LatencyHistogram"/>).</summary>
    public Dictionary<int, long> Latency { get; } = [];

    /// <summary>Error type → count, over failed events ("unspecified" when the gateway gave none).</summary>
    public Dictionary<string, long> ErrorsByType { get; } = new(StringComparer.Ordinal);

    public const string UnspecifiedError = "unspecified";

    public static DateTime MinuteOf(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    public void Add(TelemetryEvent e, double? costUsd)
    {
        Requests++;
        var latency = e.LatencyMs ?? 0;
        LatencySumMs += latency;
        Increment(Latency, LatencyHistogram.BucketOf(latency));
        if (e.Success == false)
        {
            Errors++;
            Increment(ErrorsByType, string.IsNullOrEmpty(e.ErrorType) ? UnspecifiedError : e.ErrorType);
        }

        if (e.QualityScore is { } quality)
        {
            QualityCount++;
            QualitySum += quality;
            QualitySumSquares += quality * quality;
        }

        InputTokens += e.InputTokens ?? 0;
        CachedInputTokens += e.CachedInputTokens ?? 0;
        OutputTokens += e.OutputTokens ?? 0;
        if (costUsd is { } cost)
        {
            CostCount++;
            CostSum += cost;
            CostSumSquares += cost * cost;
        }

        if (e.Feedback == Feedback.Positive)
        {
            PositiveFeedback++;
        }
        else if (e.Feedback == Feedback.Negative)
        {
            NegativeFeedback++;
        }

        if (e.Simulated)
        {
            Simulated++;
        }
    }

    /// <summary>Adds another rollup's counts (any minute: used to merge minutes into a step or a window).</summary>
    public void Merge(MinuteRollup other)
    {
        Requests += other.Requests;
        Errors += other.Errors;
        LatencySumMs += other.LatencySumMs;
        QualityCount += other.QualityCount;
        QualitySum += other.QualitySum;
        QualitySumSquares += other.QualitySumSquares;
        InputTokens += other.InputTokens;
        CachedInputTokens += other.CachedInputTokens;
        OutputTokens += other.OutputTokens;
        CostCount += other.CostCount;
        CostSum += other.CostSum;
        CostSumSquares += other.CostSumSquares;
        PositiveFeedback += other.PositiveFeedback;
        NegativeFeedback += other.NegativeFeedback;
        Simulated += other.Simulated;
        foreach (var (bucket, count) in other.Latency)
        {
            Increment(Latency, bucket, count);
        }

        foreach (var (type, count) in other.ErrorsByType)
        {
            Increment(ErrorsByType, type, count);
        }
    }

    public double? LatencyPercentile(double q) =>
        LatencyHistogram.Percentile(Latency.OrderBy(b => b.Key).ToList(), q);

    private static void Increment<TKey>(Dictionary<TKey, long> counts, TKey key, long by = 1)
        where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}

/// <summary>Folds accepted events into per-bundle per-minute rollups.</summary>
public static class RollupFold
{
    public static IReadOnlyCollection<MinuteRollup> Fold(IEnumerable<AcceptedEvent> events)
    {
        var rollups = new Dictionary<(int, DateTime), MinuteRollup>();
        foreach (var accepted in events)
        {
            var key = (accepted.Bundle.Id, MinuteRollup.MinuteOf(accepted.Timestamp));
            if (!rollups.TryGetValue(key, out var rollup))
            {
                rollup = new MinuteRollup(key.Item1, key.Item2);
                rollups[key] = rollup;
            }

            rollup.Add(accepted.Event, accepted.CostUsd);
        }

        return rollups.Values;
    }
}
