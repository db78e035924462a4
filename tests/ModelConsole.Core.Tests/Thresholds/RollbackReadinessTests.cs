using ModelConsole.Core.Bundles;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Thresholds;

/// <summary>
/// Readiness worked out by hand: the expected pooled z of a candidate at exactly the rule's minimum effect, and the
/// first call count above the rule's z, counted one by one outside the code under test.
/// </summary>
public sealed class RollbackReadinessTests
{
    private const double Interval = 10;

    private static Rule RuleOf(string metric, string action = "alert", double? z = null, double? minEffect = null, double? minAbsolute = null,
        long? minSamples = null, int? window = null, int? consecutive = null)
    {
        var errors = new ValidationErrors();
        var rule = new RuleDraft(null, metric, action, z, minEffect, minAbsolute, WindowMinutes: window, MinSamples: minSamples, Consecutive: consecutive).ToRule(1, errors);
        Assert.True(errors.IsEmpty);
        return rule!;
    }

    private static readonly Rule DefaultRollback = RuleOf("errorRate", "rollback", z: 4, minEffect: 1.0, minAbsolute: 0.01);

    private static ReadinessFacts Facts(double requestsPerMinute, Baseline? active, BaselineReference? candidate = null, double qualityShare = 1) =>
        new(requestsPerMinute, active, new Dictionary<string, double> { ["qualityMean"] = qualityShare }, candidate);

    // The pooled z of the rules with expected proportions, written out again here.
    private static double Z(double p0, double n0, double p1, double n1)
    {
        var pooled = (p0 * n0 + p1 * n1) / (n0 + n1);
        return (p1 - p0) / Math.Sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1));
    }

    [Fact]
    public void DefaultRollbackRule_At10Percent_Of100CallsPerSecond_NeedsAbout83Seconds_NotReady()
    {
        // 6,000 calls/min at 10 %: 600 canary calls/min; the active bundle has 5,400/min × 5 min = 27,000 in the window.
        // A 2 % error rate doubling to 4 % (minEffect 1.0 ≥ 1 pp): z after 60 s (600 calls) is only 3.4248.
        Assert.Equal(3.4248, Z(0.02, 27_000, 0.04, 600), 4);
        Assert.True(Z(0.02, 27_000, 0.04, 831) <= 4);
        Assert.True(Z(0.02, 27_000, 0.04, 832) > 4);

        var readiness = RollbackReadiness.Assess(DefaultRollback, 10, Facts(6_000, new Baseline(100_000, ErrorRate: 0.02)), Interval);

        Assert.False(readiness.DetectedInTime);
        Assert.Equal(600, readiness.CandidateCallsPerMinute, 9);
        Assert.Equal(20, readiness.SecondsToMinSamples!.Value, 9); // 200 samples at 10 calls/s
        Assert.Equal(83.2, readiness.SecondsToDetect!.Value, 9);  // 832 calls at 10 calls/s
        Assert.Contains("a rate of 4.00 % against 2.00 % passes z = 4 after 832 calls", readiness.Explanation, StringComparison.Ordinal);
        Assert.EndsWith("not within 60 s", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameRule_At25Percent_IsReady()
    {
        // 1,500 canary calls/min against 4,500/min × 5 = 22,500 active calls: z passes 4 at 843 calls, 33.72 s.
        Assert.True(Z(0.02, 22_500, 0.04, 842) <= 4);
        Assert.True(Z(0.02, 22_500, 0.04, 843) > 4);

        var readiness = RollbackReadiness.Assess(DefaultRollback, 25, Facts(6_000, new Baseline(100_000, ErrorRate: 0.02)), Interval);

        Assert.True(readiness.DetectedInTime);
        Assert.Equal(33.72, readiness.SecondsToDetect!.Value, 9);
        Assert.EndsWith("within 60 s", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AWindowThatNeverHoldsMinSamples_IsAlwaysInconclusive_NotReady()
    {
        // 100 calls/min at 1 %: one canary call a minute, five in the window, against 200 needed.
        var readiness = RollbackReadiness.Assess(DefaultRollback, 1, Facts(100, new Baseline(10_000, ErrorRate: 0.02)), Interval);

        Assert.False(readiness.DetectedInTime);
        Assert.Null(readiness.SecondsToMinSamples);
        Assert.Null(readiness.SecondsToDetect);
        Assert.Contains("never holds the 200 samples it needs (at most 5)", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAnyReferenceValue_ItCannotTell()
    {
        var readiness = RollbackReadiness.Assess(DefaultRollback, 10, Facts(6_000, active: null), Interval);

        Assert.False(readiness.DetectedInTime);
        Assert.Equal(20, readiness.SecondsToMinSamples!.Value, 9);
        Assert.Null(readiness.SecondsToDetect);
        Assert.Contains("no reference value for errorRate", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AnActiveBundleWithoutTheMetric_FallsBackToTheCandidatesBaseline_WithItsSampleCount()
    {
        // The active bundle's calls carry no quality score; the candidate's registered baseline says 0.8 ± 0.3 over
        // 2,000 samples. 6,000 calls/min at 10 %, all scored on the canary: 600/min. Drop 0.04 (minEffect 0.05):
        // Welch t = 0.04 / √(0.09/n + 0.09/2,000) passes 3 at n = 678 (t² > 9 ⇔ 0.09/n < 0.0001778 − 0.000045, n > 677.8).
        static double T(double n) => 0.04 / Math.Sqrt(0.09 / n + 0.09 / 2_000);
        Assert.True(T(677) <= 3);
        Assert.True(T(678) > 3);
        var rule = RuleOf("qualityMean", minEffect: 0.05, consecutive: 1);
        var facts = Facts(6_000, new Baseline(100_000, ErrorRate: 0.02),
            new BaselineReference(new Baseline(2_000, QualityMean: 0.8, QualityStdDev: 0.3), "registered"));

        var readiness = RollbackReadiness.Assess(rule, 10, facts, Interval);

        Assert.Contains("(registered baseline, n = 2,000)", readiness.Explanation, StringComparison.Ordinal);
        Assert.Equal(678 / 600.0 * 60, readiness.SecondsToDetect!.Value, 9);
        Assert.False(readiness.DetectedInTime);
    }

    [Fact]
    public void QualityMean_UsesTheScoredShare_TheReferenceSpread_AndCountsTheSecondBreach()
    {
        // 6,000 calls/min, half scored, 10 %: 300 scored canary calls/min against 2,700/min × 5 = 13,500.
        // Quality 0.8 ± 0.3, minEffect 0.05 → a drop of 0.04; Welch t passes 3 at 526 calls (105.2 s), plus one
        // evaluation interval for the second consecutive breach = 115.2 s.
        var rule = RuleOf("qualityMean", minEffect: 0.05);
        Assert.Equal(2, rule.Consecutive);
        static double T(double n) => 0.04 / Math.Sqrt(0.09 / n + 0.09 / 13_500);
        Assert.True(T(525) <= 3);
        Assert.True(T(526) > 3);

        var readiness = RollbackReadiness.Assess(rule, 10, Facts(6_000, new Baseline(100_000, QualityMean: 0.8, QualityStdDev: 0.3), qualityShare: 0.5), Interval);

        Assert.Equal(300, readiness.CandidateCallsPerMinute, 9);
        Assert.Equal(115.2, readiness.SecondsToDetect!.Value, 9);
        Assert.False(readiness.DetectedInTime);
        Assert.Contains("a mean of 0.760 against 0.800", readiness.Explanation, StringComparison.Ordinal);
        Assert.Contains("526 scored calls and 1 more evaluation", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void LatencyP95_TakesATenthOfCallsAboveTheLimitAsTheSmallestBreach()
    {
        // (0.10 − 0.05) / √(0.05 · 0.95 / n) > 2.5 first at n = 119 (n > 118.75).
        var rule = RuleOf("latencyP95", z: 2.5, minSamples: 50, consecutive: 1);
        var readiness = RollbackReadiness.Assess(rule, 5, Facts(6_000, new Baseline(100_000, LatencyP95Ms: 800)), Interval);

        Assert.Equal(119 / 300.0 * 60, readiness.SecondsToDetect!.Value, 9);
        Assert.True(readiness.DetectedInTime);
        Assert.Contains("10.00 % of calls slower than 1,000 ms (p95 800 ms × 1.25)", readiness.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AZeroErrorReference_IsJudgedOnTheAbsoluteEffect()
    {
        // p0 = 0: the smallest breach is minAbsoluteEffect = 1 pp.
        var readiness = RollbackReadiness.Assess(DefaultRollback, 10, Facts(6_000, new Baseline(100_000, ErrorRate: 0)), Interval);

        Assert.Contains("a rate of 1.00 % against 0.00 %", readiness.Explanation, StringComparison.Ordinal);
        var n = readiness.SecondsToDetect!.Value / 60 * 600;
        Assert.True(Z(0, 27_000, 0.01, Math.Round(n)) > 4);
        Assert.True(Math.Round(n) == 200 || Z(0, 27_000, 0.01, Math.Round(n) - 1) <= 4);
    }

    [Fact]
    public void NoTraffic_IsNotReady()
    {
        var readiness = RollbackReadiness.Assess(DefaultRollback, 5, Facts(0, new Baseline(100_000, ErrorRate: 0.02)), Interval);
        Assert.False(readiness.DetectedInTime);
        Assert.Contains("no data ever reaches this rule", readiness.Explanation, StringComparison.Ordinal);
    }
}
