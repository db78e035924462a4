using ModelConsole.Core.Metrics;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Statistics;

/// <summary>One metric of a candidate against the active bundle (API.md "comparison"): deltas are candidate − active.</summary>
public sealed record ComparisonRow(
    string Metric,
    double? Active,
    double? Candidate,
    double? Delta,
    double? RelativeDelta,
    double? CiLow,
    double? CiHigh,
    double? PValue,
    long SamplesActive,
    long SamplesCandidate,
    bool EnoughData);

/// <summary>What the paired shadow calls of a window add up to: a 2×2 table of success and sums of differences.</summary>
public sealed record PairedTotals(
    long Pairs,
    long BothSucceeded,
    long OnlyActiveSucceeded,
    long OnlyCandidateSucceeded,
    long BothFailed,
    long AgreementCounted,
    double AgreementSum,
    long QualityPairs,
    double QualityDifferenceSum,
    double QualityDifferenceSumSquares,
    double LatencyDifferenceSum,
    double LatencyDifferenceSumSquares)
{
    public static readonly PairedTotals None = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

/// <summary>The paired section of a shadow comparison: agreement, McNemar on success, paired t on quality and latency.</summary>
public sealed record PairedComparison(
    long Pairs,
    double? Agreement,
    long OnlyActiveSucceeded,
    long OnlyCandidateSucceeded,
    ChiSquareResult? McNemar,
    TTestResult? Quality,
    long QualityPairs,
    TTestResult? Latency);

/// <summary>
/// A candidate against the active bundle over one window, from rollup sums: rates (error rate, negative-feedback rate
/// over requests) with the two-proportion z-test, means (quality over scored calls, cost per call) with Welch's
/// t-test, latency percentiles from the merged histograms (no test: a percentile's difference has no closed-form
/// interval here). A row gets statistics when each arm has at least 2 samples; <c>EnoughData</c> says whether each
/// has <c>minSamples</c>. For shadows, the paired section compares the same requests served twice.
/// </summary>
public static class Comparison
{
    /// <summary>Every metric of the catalog, candidate against active, in the catalog's order.</summary>
    public static IReadOnlyList<ComparisonRow> Rows(MinuteRollup active, MinuteRollup candidate, long minSamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(candidate);
        return MetricCatalog.All.Select(m => Row(m, active, candidate, minSamples, confidence)).ToList();
    }

    private static ComparisonRow Row(Metric metric, MinuteRollup active, MinuteRollup candidate, long minSamples, double confidence)
    {
        if (metric.Kind == MetricKind.Percentile)
        {
            return Percentile(metric, active, candidate, minSamples);
        }

        var a = metric.FromRollup!(active);
        var b = metric.FromRollup!(candidate);
        return metric.Kind == MetricKind.Rate
            ? Rate(metric.Name, (long)a.Sum, (long)a.Count, (long)b.Sum, (long)b.Count, minSamples, confidence)
            : Mean(metric.Name, a, b, minSamples, confidence);
    }

    public static PairedComparison Paired(PairedTotals t, double confidence = 0.95)
    {
        double? agreement = t.AgreementCounted == 0 ? null : t.AgreementSum / t.AgreementCounted;
        var discordant = t.OnlyActiveSucceeded + t.OnlyCandidateSucceeded;
        // McNemar needs discordant pairs; without any, the arms never disagreed on success and there is nothing to test.
        var mcnemar = discordant == 0 ? null : McNemarTest.Compare(t.OnlyActiveSucceeded, t.OnlyCandidateSucceeded);
        return new PairedComparison(
            t.Pairs, agreement, t.OnlyActiveSucceeded, t.OnlyCandidateSucceeded, mcnemar,
            PairedDifference(t.QualityPairs, t.QualityDifferenceSum, t.QualityDifferenceSumSquares, confidence),
            t.QualityPairs,
            PairedDifference(t.Pairs, t.LatencyDifferenceSum, t.LatencyDifferenceSumSquares, confidence));
    }

    /// <summary>Count, mean and sample standard deviation from a count, a sum and a sum of squares.</summary>
    public static SampleSummary? Summary(long count, double sum, double sumSquares) => new Moments(count, sum, sumSquares).Summary;

    private static ComparisonRow Rate(string metric, long eventsA, long trialsA, long eventsB, long trialsB, long minSamples, double confidence)
    {
        double? a = trialsA == 0 ? null : (double)eventsA / trialsA;
        double? b = trialsB == 0 ? null : (double)eventsB / trialsB;
        var enough = trialsA >= minSamples && trialsB >= minSamples;
        if (trialsA < 2 || trialsB < 2)
        {
            return new ComparisonRow(metric, a, b, b - a, Relative(a, b), null, null, null, trialsA, trialsB, enough);
        }

        var z = TwoProportionZTest.Compare(eventsA, trialsA, eventsB, trialsB, confidence);
        return new ComparisonRow(metric, a, b, z.Difference, Relative(a, b), z.CiLow, z.CiHigh, z.PValue, trialsA, trialsB, enough);
    }

    private static ComparisonRow Mean(string metric, Moments momentsA, Moments momentsB, long minSamples, double confidence)
    {
        var (countA, countB) = ((long)momentsA.Count, (long)momentsB.Count);
        var (a, b) = (momentsA.Mean, momentsB.Mean);
        var enough = countA >= minSamples && countB >= minSamples;
        if (momentsA.Summary is not { } sa || momentsB.Summary is not { } sb || (sa.StdDev == 0 && sb.StdDev == 0))
        {
            return new ComparisonRow(metric, a, b, b - a, Relative(a, b), null, null, null, countA, countB, enough);
        }

        var t = WelchTTest.Compare(sa, sb, confidence);
        return new ComparisonRow(metric, a, b, t.Difference, Relative(a, b), t.CiLow, t.CiHigh, t.PValue, countA, countB, enough);
    }

    private static ComparisonRow Percentile(Metric metric, MinuteRollup active, MinuteRollup candidate, long minSamples)
    {
        var a = metric.ValueOf(active);
        var b = metric.ValueOf(candidate);
        return new ComparisonRow(metric.Name, a, b, b - a, Relative(a, b), null, null, null, active.Requests, candidate.Requests,
            active.Requests >= minSamples && candidate.Requests >= minSamples);
    }

    private static TTestResult? PairedDifference(long count, double sum, double squares, double confidence) =>
        Summary(count, sum, squares) is { StdDev: > 0 } differences ? PairedTTest.FromDifferences(differences, confidence) : null;

    private static double? Relative(double? a, double? b) => a is { } x && b is { } y && x != 0 ? (y - x) / x : null;
}
