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
    public double OutputTokensSumSquares { get; set; }
    public long CostCount { get; set; }
    public double CostSum { get; set; }
    public double CostSumSquares { get; set; }
    public long PositiveFeedback { get; set; }
    public long NegativeFeedback { get; set; }
    public long Simulated { get; set; }

    /// <summary>Shadow calls (mirrored requests, <c>shadowOf</c> set): part of <see cref="Requests"/>, not of a family's served traffic.</summary>
    public long Mirrored { get; set; }

    /// <summary>
    /// When the newest of these events reached the console (a maximum, not a sum). A rule counts a breach only on a
    /// window that holds events newer than the last counted one: read from the rollups, it survives a restart.
    /// </summary>
    public DateTime? NewestReceivedAt { get; set; }

    /// <summary>Requests served to users: all but the mirrored ones.</summary>
    public long Served => Requests - Mirrored;

    /// <summary>Latency bucket → count (see <see cref="LatencyHistogram"/>).</summary>
    public Dictionary<int, long> Latency { get; } = [];

    /// <summary>Error type → count, over failed events ("unspecified" when the gateway gave none).</summary>
    public Dictionary<string, long> ErrorsByType { get; } = new(StringComparer.Ordinal);

    public const string UnspecifiedError = "unspecified";

    public static DateTime MinuteOf(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);

    /// <summary>A score or feedback reported after its call (the call itself is already counted).</summary>
    public void Annotate(double? qualityScore, Feedback feedback)
    {
        if (qualityScore is { } quality)
        {
            QualityCount++;
            QualitySum += quality;
            QualitySumSquares += quality * quality;
        }

        if (feedback == Feedback.Positive)
        {
            PositiveFeedback++;
        }
        else if (feedback == Feedback.Negative)
        {
            NegativeFeedback++;
        }
    }

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
        var output = e.OutputTokens ?? 0;
        OutputTokens += output;
        OutputTokensSumSquares += (double)output * output;
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

        if (e.ShadowOf is not null)
        {
            Mirrored++;
        }
    }

    /// <summary>Adds another rollup's counts (any minute: used to merge minutes into a step or a window).</summary>
    public void Merge(MinuteRollup other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var field in RollupField.All)
        {
            field.Merge(this, other);
        }

        if (other.NewestReceivedAt is { } received && !(NewestReceivedAt >= received))
        {
            NewestReceivedAt = received;
        }

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

/// <summary>
/// One summed column of the minute rollups: its name, whether it is an integer, and how to read, write and add it.
/// The store's SQL (upserts and folds) is written from this list, so a new sum is one line here and one column.
/// </summary>
public sealed class RollupField
{
    private readonly Func<MinuteRollup, long>? _getInteger;
    private readonly Action<MinuteRollup, long>? _setInteger;
    private readonly Func<MinuteRollup, double>? _getReal;
    private readonly Action<MinuteRollup, double>? _setReal;

    private RollupField(string column, Func<MinuteRollup, long>? getInteger, Action<MinuteRollup, long>? setInteger, Func<MinuteRollup, double>? getReal, Action<MinuteRollup, double>? setReal)
    {
        Column = column;
        _getInteger = getInteger;
        _setInteger = setInteger;
        _getReal = getReal;
        _setReal = setReal;
    }

    /// <summary>The column (and property) name.</summary>
    public string Column { get; }

    /// <summary>True for counts (64-bit integers), false for sums of reals.</summary>
    public bool IsInteger => _getInteger is not null;

    /// <summary>Every summed column, in the order the store writes and reads them.</summary>
    public static IReadOnlyList<RollupField> All { get; } =
    [
        Integer(nameof(MinuteRollup.Requests), r => r.Requests, (r, v) => r.Requests = v),
        Integer(nameof(MinuteRollup.Errors), r => r.Errors, (r, v) => r.Errors = v),
        Real(nameof(MinuteRollup.LatencySumMs), r => r.LatencySumMs, (r, v) => r.LatencySumMs = v),
        Integer(nameof(MinuteRollup.QualityCount), r => r.QualityCount, (r, v) => r.QualityCount = v),
        Real(nameof(MinuteRollup.QualitySum), r => r.QualitySum, (r, v) => r.QualitySum = v),
        Real(nameof(MinuteRollup.QualitySumSquares), r => r.QualitySumSquares, (r, v) => r.QualitySumSquares = v),
        Integer(nameof(MinuteRollup.InputTokens), r => r.InputTokens, (r, v) => r.InputTokens = v),
        Integer(nameof(MinuteRollup.CachedInputTokens), r => r.CachedInputTokens, (r, v) => r.CachedInputTokens = v),
        Integer(nameof(MinuteRollup.OutputTokens), r => r.OutputTokens, (r, v) => r.OutputTokens = v),
        Real(nameof(MinuteRollup.OutputTokensSumSquares), r => r.OutputTokensSumSquares, (r, v) => r.OutputTokensSumSquares = v),
        Integer(nameof(MinuteRollup.CostCount), r => r.CostCount, (r, v) => r.CostCount = v),
        Real(nameof(MinuteRollup.CostSum), r => r.CostSum, (r, v) => r.CostSum = v),
        Real(nameof(MinuteRollup.CostSumSquares), r => r.CostSumSquares, (r, v) => r.CostSumSquares = v),
        Integer(nameof(MinuteRollup.PositiveFeedback), r => r.PositiveFeedback, (r, v) => r.PositiveFeedback = v),
        Integer(nameof(MinuteRollup.NegativeFeedback), r => r.NegativeFeedback, (r, v) => r.NegativeFeedback = v),
        Integer(nameof(MinuteRollup.Simulated), r => r.Simulated, (r, v) => r.Simulated = v),
        Integer(nameof(MinuteRollup.Mirrored), r => r.Mirrored, (r, v) => r.Mirrored = v),
    ];

    /// <summary>The value as the database takes it (a long or a double).</summary>
    public object Value(MinuteRollup rollup) => IsInteger ? _getInteger!(rollup) : _getReal!(rollup);

    /// <summary>Sets an integer column's value.</summary>
    public void Set(MinuteRollup rollup, long value)
    {
        if (_setInteger is not null)
        {
            _setInteger(rollup, value);
        }
        else
        {
            _setReal!(rollup, value);
        }
    }

    /// <summary>Sets a real column's value.</summary>
    public void Set(MinuteRollup rollup, double value)
    {
        if (_setReal is not null)
        {
            _setReal(rollup, value);
        }
        else
        {
            _setInteger!(rollup, (long)value);
        }
    }

    /// <summary>Adds <paramref name="from"/>'s value to <paramref name="into"/>'s.</summary>
    public void Merge(MinuteRollup into, MinuteRollup from)
    {
        if (IsInteger)
        {
            _setInteger!(into, _getInteger!(into) + _getInteger(from));
        }
        else
        {
            _setReal!(into, _getReal!(into) + _getReal(from));
        }
    }

    private static RollupField Integer(string column, Func<MinuteRollup, long> get, Action<MinuteRollup, long> set) => new(column, get, set, null, null);

    private static RollupField Real(string column, Func<MinuteRollup, double> get, Action<MinuteRollup, double> set) => new(column, null, null, get, set);
}

/// <summary>Folds accepted events into per-bundle per-minute rollups.</summary>
public static class RollupFold
{
    /// <summary>The accepted events per bundle and minute; each rollup's newest arrival is <paramref name="receivedAt"/> when given.</summary>
    public static IReadOnlyCollection<MinuteRollup> Fold(IEnumerable<AcceptedEvent> events, DateTime? receivedAt = null)
    {
        var rollups = new Dictionary<(int, DateTime), MinuteRollup>();
        foreach (var accepted in events)
        {
            var key = (accepted.Bundle.Id, MinuteRollup.MinuteOf(accepted.Timestamp));
            if (!rollups.TryGetValue(key, out var rollup))
            {
                rollup = new MinuteRollup(key.Item1, key.Item2) { NewestReceivedAt = receivedAt };
                rollups[key] = rollup;
            }

            rollup.Add(accepted.Event, accepted.CostUsd);
        }

        return rollups.Values;
    }
}
