using ModelConsole.Core.Metrics;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Thresholds;

/// <summary>Verdicts worked out by hand, DESIGN.md's worked example first.</summary>
public sealed class RuleEvaluatorTests
{
    private static Rule RuleOf(string metric, string action = "alert", double? z = null, double? minEffect = null, double? minAbsolute = null, long? minSamples = null)
    {
        var errors = new ValidationErrors();
        var rule = new RuleDraft(null, metric, action, z, minEffect, minAbsolute, MinSamples: minSamples).ToRule(1, errors);
        Assert.True(errors.IsEmpty);
        return rule!;
    }

    private static MinuteRollup Window(long requests, long errors = 0, long negative = 0) =>
        new(1, DateTime.UnixEpoch) { Requests = requests, Errors = errors, NegativeFeedback = negative };

    [Fact]
    public void WorkedExample_FromTheDesign_IsABreach_WithItsDerivation()
    {
        var verdict = RuleEvaluator.Evaluate(RuleOf("errorRate"), Window(1_310, 58), Window(48_210, 964), baseline: null);

        Assert.Equal(VerdictKind.Breach, verdict.Kind);
        Assert.StartsWith("reference 2.00 % (active, 964 of 48,210), candidate 4.43 % (58 of 1,310), pooled z = 6.10 > 3, relative change +121 % ≥ 20 %", verdict.Derivation, StringComparison.Ordinal);
        Assert.EndsWith("→ breach", verdict.Derivation, StringComparison.Ordinal);
        Assert.Equal(6.0987, verdict.Statistic!.Value, 4);
        Assert.Equal(58.0 / 1_310, verdict.Observed!.Value, 12);
        Assert.Equal("active", verdict.Reference);
    }

    [Fact]
    public void TooFewCandidateSamples_IsInconclusive_NeverPassOrBreach()
    {
        var verdict = RuleEvaluator.Evaluate(RuleOf("errorRate"), Window(150, 150), Window(48_210, 964), baseline: null);
        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.StartsWith("not enough data: 150 of 200 samples", verdict.Derivation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, VerdictKind.Pass)]    // z = 3.87 > 3 but the change is 0.3 pp < 0.5 pp
    [InlineData(10, VerdictKind.Breach)] // z = 7.08 and 1.0 pp ≥ 0.5 pp
    public void ZeroErrorReference_IsJudgedByTheAbsoluteChangeAlone(long errors, VerdictKind expected)
    {
        var verdict = RuleEvaluator.Evaluate(RuleOf("errorRate"), Window(1_000, errors), Window(5_000, 0), baseline: null);
        Assert.Equal(expected, verdict.Kind);
        Assert.DoesNotContain("relative", verdict.Derivation, StringComparison.Ordinal);
        Assert.Equal(errors == 3 ? 3.874 : 7.077, verdict.Statistic!.Value, 3);
    }

    [Fact]
    public void ActiveWithTooFewSamples_FallsBackToTheBaseline_WhoseSamplesCount()
    {
        // Baseline 2 % over 5,000 samples = 100 of 5,000; candidate 30 of 500. Pooled p = 130/5,500.
        var baseline = new BaselineReference(new Baseline(5_000, ErrorRate: 0.02), "registered");
        var verdict = RuleEvaluator.Evaluate(RuleOf("errorRate"), Window(500, 30), Window(100, 1), baseline);
        var pooled = 130.0 / 5_500;
        var z = (0.06 - 0.02) / Math.Sqrt(pooled * (1 - pooled) * (1.0 / 5_000 + 1.0 / 500));
        Assert.Equal(z, verdict.Statistic!.Value, 10);
        Assert.Equal("registered baseline", verdict.Reference);
        Assert.Contains("(registered baseline, 100 of 5,000)", verdict.Derivation, StringComparison.Ordinal);
        Assert.Equal(VerdictKind.Breach, verdict.Kind);
    }

    [Fact]
    public void NoActiveAndNoBaseline_IsInconclusive_SayingWhy()
    {
        var verdict = RuleEvaluator.Evaluate(RuleOf("errorRate"), Window(5_000, 300), active: null, baseline: null);
        Assert.Equal(VerdictKind.Inconclusive, verdict.Kind);
        Assert.StartsWith("no reference", verdict.Derivation, StringComparison.Ordinal);
    }

    [Fact]
    public void QualityDrop_IsWelchAgainstTheBaselinesSpread()
    {
        // Candidate: 400 scores, 200 at 0.6 and 200 at 0.8 → mean 0.7, sd 0.1001; baseline 0.8 ± 0.1 over 1,000.
        var candidate = new MinuteRollup(1, DateTime.UnixEpoch) { Requests = 400, QualityCount = 400, QualitySum = 200 * 0.6 + 200 * 0.8, QualitySumSquares = 200 * 0.36 + 200 * 0.64 };
        var baseline = new BaselineReference(new Baseline(1_000, QualityMean: 0.8, QualityStdDev: 0.1), "captured");
        var verdict = RuleEvaluator.Evaluate(RuleOf("qualityMean", minEffect: 0.05), candidate, active: null, baseline);

        var sd = Math.Sqrt(400 * 0.01 / 399); // every score is 0.1 from the mean
        var t = 0.1 / Math.Sqrt(sd * sd / 400 + 0.01 / 1_000);
        Assert.Equal(t, verdict.Statistic!.Value, 8);
        Assert.Equal(VerdictKind.Breach, verdict.Kind);
        Assert.Equal("captured baseline", verdict.Reference);
        Assert.Contains("relative drop +12.5 % ≥ 5 %", verdict.Derivation, StringComparison.Ordinal);
        // Quality going up is never a breach.
        var better = new MinuteRollup(1, DateTime.UnixEpoch) { Requests = 400, QualityCount = 400, QualitySum = 400 * 0.9, QualitySumSquares = 400 * 0.81 + 0.4 };
        Assert.Equal(VerdictKind.Pass, RuleEvaluator.Evaluate(RuleOf("qualityMean"), better, null, baseline).Kind);
    }

    [Fact]
    public void LatencyP95_TestsTheShareSlowerThanTheReferenceWithTolerance()
    {
        // Reference p95 1,000 ms, tolerance 25 % → limit 1,250 ms; 100 of 1,000 calls at 2,000 ms: share 10 %,
        // z = (0.10 − 0.05) / √(0.05 · 0.95 / 1,000) = 7.2548.
        var candidate = new MinuteRollup(1, DateTime.UnixEpoch) { Requests = 1_000 };
        candidate.Latency[LatencyHistogram.BucketOf(500)] = 900;
        candidate.Latency[LatencyHistogram.BucketOf(2_000)] = 100;
        var baseline = new BaselineReference(new Baseline(2_000, LatencyP95Ms: 1_000), "registered");
        var verdict = RuleEvaluator.Evaluate(RuleOf("latencyP95"), candidate, active: null, baseline);
        Assert.Equal(7.2548, verdict.Statistic!.Value, 4);
        Assert.Equal(1_250, verdict.Limit!.Value, 8);
        Assert.Equal(VerdictKind.Breach, verdict.Kind);
        Assert.Contains("limit 1,000 ms × 1.25 = 1,250 ms", verdict.Derivation, StringComparison.Ordinal);
    }

    [Fact]
    public void Consecutive_CountsOnlyBreachesOnNewData_AndAPassClearsThem()
    {
        var rule = RuleOf("errorRate");
        var breach = RuleEvaluator.Evaluate(rule, Window(1_310, 58), Window(48_210, 964), null);
        var pass = RuleEvaluator.Evaluate(rule, Window(1_310, 26), Window(48_210, 964), null);
        var t0 = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);

        var (s1, act1) = RuleState.Initial.Next(breach, t0);
        Assert.Equal((1, false), (s1.Breaches, act1));
        var (s2, act2) = s1.Next(breach, t0); // the same data judged again: not new evidence
        Assert.Equal((1, false), (s2.Breaches, act2));
        var (s3, act3) = s2.Next(breach, t0.AddSeconds(5));
        Assert.Equal((2, true), (s3.Breaches, act3)); // consecutive 2 for an alert
        var (s4, _) = s3.Next(pass, t0.AddSeconds(10));
        Assert.Equal((0, 1), (s4.Breaches, s4.Healthy));
        var inconclusive = RuleEvaluator.Evaluate(rule, Window(10, 10), Window(48_210, 964), null);
        // An inconclusive verdict changes nothing the counts keep; only the latest kind, which health reads.
        Assert.Equal(s4 with { Latest = VerdictKind.Inconclusive }, s4.Next(inconclusive, t0.AddSeconds(15)).State);
        // A rollback rule acts on its first breach.
        Assert.True(RuleState.Initial.Next(RuleEvaluator.Evaluate(RuleOf("errorRate", "rollback"), Window(1_310, 58), Window(48_210, 964), null), t0).Act);
    }

    [Fact]
    public void Defaults_AreApisNewFamilyRules()
    {
        var errors = new ValidationErrors();
        var rules = RuleDraft.Defaults.Select((d, i) => d.ToRule(i + 1, errors)!).ToList();
        Assert.True(errors.IsEmpty);
        Assert.Equal(7, rules.Count);
        Assert.Equal(new Rule(1, MetricCatalog.ErrorRate, RuleAction.Rollback, 4, 1.0, 0.01, 0.25, 5, 200, 1), rules[0]);
        Assert.Equal(new Rule(2, MetricCatalog.ErrorRate, RuleAction.Alert, 3, 0.2, 0.005, 0.25, 5, 200, 2), rules[1]);
        Assert.Equal(new Rule(4, MetricCatalog.QualityMean, RuleAction.Alert, 3, 0.05, 0, 0.25, 5, 200, 2), rules[3]);
        // The default sequential rule, beside the window rollback rule.
        Assert.Equal(new Rule(7, MetricCatalog.ErrorRate, RuleAction.Rollback, 3, 0.5, 0.005, 0.25, 5, 200, 1, RuleTestKind.Sequential, 0.05), rules[6]);
    }

    [Fact]
    public void ASequentialRule_HasNoWindow_AndJudgesRatesAndMeansOnly()
    {
        var errors = new ValidationErrors();
        var rule = new RuleDraft(null, "qualityMean", "alert", WindowMinutes: 60, Test: "sequential", Alpha: 0.01).ToRule(1, errors)!;
        Assert.True(errors.IsEmpty);
        Assert.True(rule.IsSequential);
        Assert.Equal((5, 0.01), (rule.WindowMinutes, rule.Alpha)); // the window given is ignored

        Assert.Null(new RuleDraft(null, "latencyP95", "alert", Test: "sequential").ToRule(1, errors, "[0]."));
        Assert.Contains("percentile", errors.For("[0].test").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"metric\":\"nope\",\"action\":\"alert\"}", "metric")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"page\"}", "action")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"z\":0}", "z")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"tolerance\":-0.1}", "tolerance")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"minEffect\":-1}", "minEffect")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"minAbsoluteEffect\":-0.01}", "minAbsoluteEffect")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"minSamples\":0}", "minSamples")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"windowMinutes\":0}", "windowMinutes")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"consecutive\":0}", "consecutive")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"test\":\"bayesian\"}", "test")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"test\":\"sequential\",\"alpha\":0.5}", "alpha")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"test\":\"sequential\",\"alpha\":0}", "alpha")]
    public void BadRules_NameTheirField(string json, string field)
    {
        var draft = System.Text.Json.JsonSerializer.Deserialize<RuleDraft>(json, System.Text.Json.JsonSerializerOptions.Web)!;
        var errors = new ValidationErrors();
        Assert.Null(draft.ToRule(1, errors, "[0]."));
        Assert.True(errors.Has("[0]." + field), string.Join(", ", errors.ToDictionary().Keys));
    }
}
