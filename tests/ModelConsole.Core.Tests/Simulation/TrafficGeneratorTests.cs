using ModelConsole.Core.Bundles;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Tests.Simulation;

/// <summary>Simulated calls follow the registered baseline they are derived from, and degradations move them as named.</summary>
public sealed class TrafficGeneratorTests
{
    private const int Calls = 200_000;

    private static readonly Pricing Sonnet = new(3.00, 15.00, 0.30);

    private static readonly Baseline Support = new(3_000, ErrorRate: 0.011, QualityMean: 0.85, QualityStdDev: 0.10,
        LatencyP50Ms: 940, LatencyP95Ms: 2_600, CostPerCallUsd: 0.0079, NegativeFeedbackRate: 0.0275);

    private static List<SimulatedCall> Draw(BundleBehaviour behaviour, int seed = 11, int count = Calls)
    {
        var generator = new TrafficGenerator(new Random(seed));
        return Enumerable.Range(0, count).Select(_ => generator.Call(behaviour)).ToList();
    }

    private static double Quantile(List<double> sorted, double p) => sorted[(int)Math.Ceiling(p * sorted.Count) - 1];

    [Fact]
    public void Calls_FollowTheRegisteredBaseline()
    {
        var calls = Draw(BundleBehaviour.From(Support, Sonnet));

        var errorRate = calls.Count(c => !c.Success) / (double)Calls;
        Assert.InRange(errorRate, 0.011 - 0.0012, 0.011 + 0.0012); // 5 standard errors

        var latencies = calls.Where(c => c.Success).Select(c => c.LatencyMs).Order().ToList();
        Assert.InRange(Quantile(latencies, 0.50), 940 * 0.98, 940 * 1.02);
        Assert.InRange(Quantile(latencies, 0.95), 2_600 * 0.97, 2_600 * 1.03);

        var scores = calls.Where(c => c.QualityScore is not null).Select(c => c.QualityScore!.Value).ToList();
        Assert.InRange(scores.Count / (double)calls.Count(c => c.Success), TrafficGenerator.ScoredShare - 0.01, TrafficGenerator.ScoredShare + 0.01);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        var mean = scores.Average();
        Assert.InRange(mean, 0.845, 0.855);
        var sd = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / (scores.Count - 1));
        Assert.InRange(sd, 0.095, 0.105);

        var negative = calls.Count(c => c.Feedback == Feedback.Negative) / (double)Calls;
        Assert.InRange(negative, 0.0275 - 0.002, 0.0275 + 0.002);
    }

    [Fact]
    public void Tokens_CostWhatTheBaselineSaysAtTheBundlesPrices()
    {
        var calls = Draw(BundleBehaviour.From(Support, Sonnet)).Where(c => c.Success).ToList();

        Assert.All(calls, c => Assert.InRange(c.CachedInputTokens, 0, c.InputTokens));
        var cost = calls.Average(c => CallCost.PerCall(Sonnet, c.InputTokens, c.OutputTokens, c.CachedInputTokens));
        Assert.InRange(cost, 0.0079 * 0.97, 0.0079 * 1.03);
        // Without a cached price, nothing is reported as cached.
        Assert.All(Draw(BundleBehaviour.From(Support, new Pricing(3, 15)), count: 1_000), c => Assert.Equal(0, c.CachedInputTokens));
    }

    [Fact]
    public void Degradations_MoveTheirMetric_OnlyWhileActive()
    {
        var start = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
        var normal = BundleBehaviour.From(Support, Sonnet);
        Degradation Make(DegradationKind kind, double amount) => new(Guid.NewGuid(), "b", "f", kind, amount, start, start.AddMinutes(10), "admin");
        var all = new[] { Make(DegradationKind.ErrorRate, 5), Make(DegradationKind.Latency, 800), Make(DegradationKind.Quality, 0.2) };

        var degraded = normal.Degraded(all, start.AddMinutes(5));
        var calls = Draw(degraded);
        Assert.InRange(calls.Count(c => !c.Success) / (double)Calls, 0.055 - 0.0025, 0.055 + 0.0025);
        var latencies = calls.Where(c => c.Success).Select(c => c.LatencyMs).Order().ToList();
        Assert.InRange(Quantile(latencies, 0.50), 940 * 0.98 + 800, 940 * 1.02 + 800);
        Assert.InRange(calls.Where(c => c.QualityScore is not null).Average(c => c.QualityScore!.Value), 0.645, 0.655);
        Assert.True(degraded.NegativeFeedbackRate > normal.NegativeFeedbackRate);

        // Before the start and from the end on, the bundle is itself again.
        Assert.Equal(normal, normal.Degraded(all, start.AddSeconds(-1)));
        Assert.Equal(normal, normal.Degraded(all, start.AddMinutes(10)));
        // The error rate never exceeds 100 %.
        Assert.Equal(1, normal.Degraded([Make(DegradationKind.ErrorRate, 50), Make(DegradationKind.ErrorRate, 50)], start).ErrorRate);
    }

    [Fact]
    public void Shadow_RepeatsThePrimarysAnswer_LessOftenWhenItsQualityDrops()
    {
        var behaviour = BundleBehaviour.From(Support, Sonnet);
        var worse = behaviour with { QualityMean = behaviour.QualityMean - 0.2 };
        var generator = new TrafficGenerator(new Random(5));
        double Agreement(BundleBehaviour shadow)
        {
            var pairs = Enumerable.Range(0, 50_000).Select(_ =>
            {
                var primary = generator.Call(behaviour);
                return (primary, shadow: generator.Shadow(primary, behaviour, shadow));
            }).Where(p => p.primary.Success && p.shadow.Success).ToList();
            Assert.All(pairs, p => Assert.Equal(Feedback.None, p.shadow.Feedback));
            Assert.All(pairs, p => Assert.Equal(p.shadow.Agreement == 1.0, p.shadow.OutputHash == p.primary.OutputHash));
            return pairs.Count(p => p.shadow.OutputHash == p.primary.OutputHash) / (double)pairs.Count;
        }

        Assert.InRange(Agreement(behaviour), TrafficGenerator.BaseAgreement - 0.01, TrafficGenerator.BaseAgreement + 0.01);
        Assert.InRange(Agreement(worse), TrafficGenerator.BaseAgreement - 0.4 - 0.01, TrafficGenerator.BaseAgreement - 0.4 + 0.01);
    }

    [Fact]
    public void Arrivals_ArePoissonWithTheRequestedMean()
    {
        var generator = new TrafficGenerator(new Random(3));
        var counts = Enumerable.Range(0, 20_000).Select(_ => generator.Arrivals(12, 0.5)).ToList();
        Assert.InRange(counts.Average(), 6 - 0.06, 6 + 0.06);
        var variance = counts.Sum(c => (c - 6.0) * (c - 6.0)) / counts.Count;
        Assert.InRange(variance, 6 * 0.95, 6 * 1.05); // a Poisson's variance equals its mean
        Assert.Equal(0, generator.Arrivals(0, 1));
    }

    [Fact]
    public void Behaviour_WithoutBaselineOrPrices_UsesPlainDefaults()
    {
        var behaviour = BundleBehaviour.From(null, null);
        Assert.Equal(800, behaviour.LatencyMedianMs);
        Assert.Equal(300, behaviour.MedianOutputTokens);
        Assert.InRange(behaviour.ErrorRate, 0, 1);
        Assert.All(Draw(behaviour, count: 2_000), c => Assert.True(c.LatencyMs >= 0 && c.InputTokens >= 1));
    }

    [Theory]
    [InlineData(4, TrafficShape.Trough)]
    [InlineData(16, 1.0)]
    [InlineData(10, (1 + TrafficShape.Trough) / 2)]
    public void TrafficShape_HasItsTroughAtFourAndItsPeakAtSixteen(int hour, double expected) =>
        Assert.Equal(expected, TrafficShape.Factor(new DateTime(2026, 11, 29, hour, 0, 0, DateTimeKind.Utc)), 10);
}
