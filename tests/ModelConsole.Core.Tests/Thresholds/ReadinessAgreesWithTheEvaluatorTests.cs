using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Thresholds;

/// <summary>
/// The statistic seam's law: for random references and rules, rollback readiness's predicted detection point n* is
/// where the evaluator, fed windows of a candidate worse by exactly the rule's minimum effect, first says breach —
/// exactly for means (their sums are real numbers), and bracketed within one call for rates and p95 (whose counts
/// are whole: rounded up at n* the evaluator breaches, rounded down one call earlier it does not).
/// </summary>
public sealed class ReadinessAgreesWithTheEvaluatorTests
{
    private const double Interval = 10;
    private static readonly DateTime T0 = new(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);

    private static Rule RuleOf(string metric, double z, double minEffect, double minAbsolute, long minSamples, int window) =>
        new RuleDraft(null, metric, "rollback", z, minEffect, minAbsolute, WindowMinutes: window, MinSamples: minSamples, Consecutive: 1).ToRule(1, new ValidationErrors())!;

    /// <summary>n* from readiness: SecondsToDetect back in calls, or null when it says "not detected".</summary>
    private static long? Predicted(RuleReadiness readiness) =>
        readiness.SecondsToDetect is { } s ? (long)Math.Round(s / 60 * readiness.CandidateCallsPerMinute) : null;

    [Fact]
    public void Means_BreachFirstExactlyWhereReadinessSays()
    {
        var random = new Random(11);
        var checkedCases = 0;
        for (var run = 0; run < 300; run++)
        {
            var mean = 0.3 + random.NextDouble() * 0.6;
            var sd = 0.05 + random.NextDouble() * 0.3;
            var rule = RuleOf("qualityMean", 2 + random.NextDouble() * 3, 0.01 + random.NextDouble() * 0.1, 0, random.Next(20, 300), random.Next(2, 15));
            var perMinute = random.Next(500, 20_000);
            var percent = Math.Round(1 + random.NextDouble() * 24, 2);
            var facts = new ReadinessFacts(perMinute, new Baseline(1_000_000, QualityMean: mean, QualityStdDev: sd), new Dictionary<string, double>(), null);

            var readiness = RollbackReadiness.Assess(rule, percent, facts, Interval);
            if (Predicted(readiness) is not { } n)
            {
                continue;
            }

            // The active bundle's window as readiness supposes it, and the candidate's at exactly the minimum effect.
            var activeN = perMinute * (1 - percent / 100) * rule.WindowMinutes;
            var worse = mean - Math.Max(mean * rule.MinEffect, rule.MinAbsoluteEffect);
            MinuteRollup Window(double count, double m) => new(1, T0) { Requests = (long)Math.Ceiling(count), QualityCount = (long)count, QualitySum = count * m, QualitySumSquares = (count - 1) * sd * sd + count * m * m };
            // The active window's count is fractional in readiness: compare only where it is whole.
            if (activeN != Math.Floor(activeN))
            {
                activeN = Math.Floor(activeN);
                facts = facts with { RequestsPerMinute = activeN / rule.WindowMinutes / (1 - percent / 100) };
                readiness = RollbackReadiness.Assess(rule, percent, facts, Interval);
                if (Predicted(readiness) is not { } again)
                {
                    continue;
                }

                n = again;
            }

            var active = Window(activeN, mean);
            Assert.Equal(VerdictKind.Breach, RuleEvaluator.Evaluate(rule, Window(n, worse), active, null).Kind);
            if (n > rule.MinSamples)
            {
                Assert.NotEqual(VerdictKind.Breach, RuleEvaluator.Evaluate(rule, Window(n - 1, worse), active, null).Kind);
            }

            checkedCases++;
        }

        Assert.True(checkedCases > 50, $"only {checkedCases} cases were detectable");
    }

    [Fact]
    public void Rates_BreachWithinOneCallOfWhereReadinessSays()
    {
        var random = new Random(12);
        var checkedCases = 0;
        for (var run = 0; run < 300; run++)
        {
            var p0 = 0.005 + random.NextDouble() * 0.1;
            var rule = RuleOf("errorRate", 2 + random.NextDouble() * 3, 0.2 + random.NextDouble(), 0.005, random.Next(20, 300), random.Next(2, 15));
            var activeN = (double)random.Next(5_000, 200_000);
            var percent = 10.0;
            var facts = new ReadinessFacts(activeN / rule.WindowMinutes / 0.9, new Baseline(1_000_000, ErrorRate: p0), new Dictionary<string, double>(), null);
            var readiness = RollbackReadiness.Assess(rule, percent, facts, Interval);
            if (Predicted(readiness) is not { } n)
            {
                continue;
            }

            var p1 = Math.Min(1, Math.Max(p0 * (1 + rule.MinEffect), p0 + rule.MinAbsoluteEffect));
            // Readiness's active reference has fractional events (p0 × n); the evaluator's baseline path holds the same
            // numbers exactly, so the reference is the same on both sides.
            var reference = new BaselineReference(new Baseline((long)activeN, ErrorRate: p0), "registered");
            MinuteRollup Window(long calls, long errors) => new(1, T0) { Requests = calls, Errors = errors };
            var thin = new MinuteRollup(2, T0) { Requests = 0 }; // below minSamples: the evaluator takes the baseline
            Assert.Equal(VerdictKind.Breach, RuleEvaluator.Evaluate(rule, Window(n, (long)Math.Ceiling(p1 * n)), thin, reference).Kind);
            if (n > rule.MinSamples)
            {
                Assert.NotEqual(VerdictKind.Breach, RuleEvaluator.Evaluate(rule, Window(n - 1, (long)Math.Floor(p1 * (n - 1))), thin, reference).Kind);
            }

            checkedCases++;
        }

        Assert.True(checkedCases > 50, $"only {checkedCases} cases were detectable");
    }
}
