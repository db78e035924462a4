using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Metrics;

/// <summary>
/// Every metric the console knows, each defined once. Adding a metric is an entry here (and, when it needs a sum the
/// rollups do not keep yet, a rollup field); rules, comparisons, experiments, readiness, baselines, charts and the
/// database folds pick it up from the flags.
/// </summary>
public static class MetricCatalog
{
    /// <summary>Share of calls that failed.</summary>
    public static readonly Metric ErrorRate = new()
    {
        Name = "errorRate", Label = "Error rate", Kind = MetricKind.Rate, HigherIsWorse = true, Unit = MetricUnit.Share,
        Judged = true, Experimented = true,
        FromRollup = r => new Moments(r.Requests, r.Errors, r.Errors),
        BaselineValue = b => b.ErrorRate, WithBaseline = (b, v, _) => b with { ErrorRate = v }, BaselineField = "errorRate", BaselineMaximum = 1,
        CallValue = c => c.Success ? 0 : 1, CallMeasured = c => 1,
    };

    /// <summary>Median latency (compared and charted, not judged: rules watch the p95).</summary>
    public static readonly Metric LatencyP50 = new()
    {
        Name = "latencyP50", Label = "Latency p50", Kind = MetricKind.Percentile, Quantile = 0.50, HigherIsWorse = true, Unit = MetricUnit.Milliseconds,
        BaselineValue = b => b.LatencyP50Ms, WithBaseline = (b, v, _) => b with { LatencyP50Ms = v }, BaselineField = "latencyP50Ms", BaselineMaximum = TelemetryValidation.MaxLatencyMs,
    };

    /// <summary>95th percentile latency.</summary>
    public static readonly Metric LatencyP95 = new()
    {
        Name = "latencyP95", Label = "Latency p95", Kind = MetricKind.Percentile, Quantile = 0.95, HigherIsWorse = true, Unit = MetricUnit.Milliseconds,
        Judged = true,
        BaselineValue = b => b.LatencyP95Ms, WithBaseline = (b, v, _) => b with { LatencyP95Ms = v }, BaselineField = "latencyP95Ms", BaselineMaximum = TelemetryValidation.MaxLatencyMs,
    };

    /// <summary>Mean quality score over the calls a judge scored.</summary>
    public static readonly Metric QualityMean = new()
    {
        Name = "qualityMean", Label = "Quality (mean score)", Kind = MetricKind.Mean, HigherIsWorse = false, Unit = MetricUnit.Score,
        MeasuredCalls = "scored calls", Judged = true, Experimented = true,
        FromRollup = r => new Moments(r.QualityCount, r.QualitySum, r.QualitySumSquares),
        BaselineValue = b => b.QualityMean, BaselineStdDev = b => b.QualityStdDev, WithBaseline = (b, v, s) => b with { QualityMean = v, QualityStdDev = s },
        BaselineField = "qualityMean", BaselineStdDevField = "qualityStdDev", BaselineMaximum = 1,
        CallValue = c => c.QualityScore ?? 0, CallMeasured = c => c.QualityScore != null ? 1 : 0,
    };

    /// <summary>Mean cost per priced call.</summary>
    public static readonly Metric CostPerCall = new()
    {
        Name = "costPerCall", Label = "Cost per call", Kind = MetricKind.Mean, HigherIsWorse = true, Unit = MetricUnit.Usd,
        MeasuredCalls = "priced calls", Judged = true, Experimented = true,
        FromRollup = r => new Moments(r.CostCount, r.CostSum, r.CostSumSquares),
        BaselineValue = b => b.CostPerCallUsd, BaselineStdDev = b => b.CostPerCallStdDevUsd, WithBaseline = (b, v, s) => b with { CostPerCallUsd = v, CostPerCallStdDevUsd = s },
        BaselineField = "costPerCallUsd", BaselineStdDevField = "costPerCallStdDevUsd", BaselineMaximum = Validation.Limits.MaxCostPerCallUsd,
        CallValue = c => c.CostUsd ?? 0, CallMeasured = c => c.CostUsd != null ? 1 : 0,
    };

    /// <summary>Share of calls with negative user feedback.</summary>
    public static readonly Metric NegativeFeedbackRate = new()
    {
        Name = "negativeFeedbackRate", Label = "Negative feedback", Kind = MetricKind.Rate, HigherIsWorse = true, Unit = MetricUnit.Share,
        Judged = true, Experimented = true,
        FromRollup = r => new Moments(r.Requests, r.NegativeFeedback, r.NegativeFeedback),
        BaselineValue = b => b.NegativeFeedbackRate, WithBaseline = (b, v, _) => b with { NegativeFeedbackRate = v }, BaselineField = "negativeFeedbackRate", BaselineMaximum = 1,
        CallValue = c => c.Feedback == Feedback.Negative ? 1 : 0, CallMeasured = c => 1,
    };

    /// <summary>Mean output tokens per call: longer answers cost more and often read worse.</summary>
    public static readonly Metric OutputTokensMean = new()
    {
        Name = "outputTokensMean", Label = "Output tokens per call", Kind = MetricKind.Mean, HigherIsWorse = true, Unit = MetricUnit.Tokens,
        Judged = true, Experimented = true,
        FromRollup = r => new Moments(r.Requests, r.OutputTokens, r.OutputTokensSumSquares),
        BaselineValue = b => b.OutputTokensMean, BaselineStdDev = b => b.OutputTokensStdDev, WithBaseline = (b, v, s) => b with { OutputTokensMean = v, OutputTokensStdDev = s },
        BaselineField = "outputTokensMean", BaselineStdDevField = "outputTokensStdDev", BaselineMaximum = TelemetryValidation.MaxTokens,
        CallValue = c => c.OutputTokens, CallMeasured = c => 1,
    };

    /// <summary>Every metric, in the order tables and charts show them.</summary>
    public static readonly IReadOnlyList<Metric> All = [ErrorRate, LatencyP50, LatencyP95, QualityMean, CostPerCall, NegativeFeedbackRate, OutputTokensMean];

    /// <summary>The metrics rules may watch.</summary>
    public static readonly IReadOnlyList<Metric> Judged = All.Where(m => m.Judged).ToList();

    /// <summary>The metrics experiments may decide on.</summary>
    public static readonly IReadOnlyList<Metric> Experimented = All.Where(m => m.Experimented).ToList();

    /// <summary>The metrics the bundle page charts.</summary>
    public static readonly IReadOnlyList<Metric> Charted = All.Where(m => m.Charted).ToList();

    private static readonly Dictionary<string, Metric> ByName = All.ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>The metric with this wire name.</summary>
    public static bool TryGet(string? name, out Metric metric)
    {
        if (name is not null && ByName.TryGetValue(name, out var found))
        {
            metric = found;
            return true;
        }

        metric = null!;
        return false;
    }

    /// <summary>The metric with this wire name; throws for an unknown one (stored names are known ones).</summary>
    public static Metric Get(string name) =>
        TryGet(name, out var metric) ? metric : throw new ArgumentOutOfRangeException(nameof(name), name, "No metric has this name.");

    /// <summary>The words a person reads for a metric's wire name ("Latency p95" for <c>latencyP95</c>); an unknown name as it is.</summary>
    public static string LabelOf(string? name) => TryGet(name, out var metric) ? metric.Label : name ?? "";

    /// <summary>"a, b or c" of the names, for messages.</summary>
    public static string Names(IEnumerable<Metric> metrics)
    {
        var names = metrics.Select(m => m.Name).ToList();
        return names.Count < 2 ? string.Concat(names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];
    }
}
