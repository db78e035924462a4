using ModelConsole.Core.Metrics;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Experiments;

/// <summary>
/// Experiment results against R's published outputs (prop.test, t.test, chisq.test), the delta method against a
/// hand-worked example and a brute-force computation over subjects, and the decision helper's words.
/// </summary>
public sealed class ExperimentAnalysisTests
{
    private static ExperimentPlan Plan(Metric metric, double split = 50, double alpha = 0.05, int sides = 2, long plannedA = 10, long plannedB = 10) =>
        new(metric, split, alpha, sides, 0.8, 0.01, plannedA, plannedB);

    private static RequestArm Rate(long events, long requests) => new(requests, requests, events, events);

    private static RequestArm Means(double[] values) => new(values.Length, values.Length, values.Sum(), values.Sum(v => v * v));

    // R's sleep data (Cushny & Peebles).
    private static readonly double[] Group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    private static readonly double[] Group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

    [Fact]
    public void ARate_PerRequest_IsRsPropTestWithoutCorrection()
    {
        // prop.test(c(94, 39), c(214, 128), correct = FALSE): p-value = 0.01350, 95 % CI of prop 1 − prop 2
        // 0.03074072 0.23838896 (B = group 1 here). Split 62.57 % matches 214 of 342, so no mismatch is flagged.
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.ErrorRate, split: 62.57, plannedA: 100, plannedB: 200), Rate(39, 128), Rate(94, 214));

        Assert.Equal("request", result.Unit);
        Assert.Equal(94.0 / 214 - 39.0 / 128, result.Estimate!.Value, 12);
        Assert.Equal(0.01350, result.PValue!.Value, 5e-6);
        Assert.Equal(0.03074072, result.CiLow!.Value, 5e-9);
        Assert.Equal(0.23838896, result.CiHigh!.Value, 5e-9);
        Assert.False(result.SrmFlagged);
        // A higher error rate in B, significant, plan reached: keep A.
        Assert.Equal(Suggestion.KeepA, result.Suggestion);
        Assert.StartsWith("B is worse: errorRate B 43.93 % vs A 30.47 %, B − A = +13.46 pp (95 % CI +3.07 pp to +23.84 pp), p = 0.0135", result.Advice, StringComparison.Ordinal);
        Assert.EndsWith("The data supports keeping A.", result.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void AMean_PerRequest_IsRsWelchTTest()
    {
        // t.test(extra ~ group, data = sleep): p-value = 0.07939, 95 % CI of group 1 − group 2: -3.3654832 0.2054832.
        // A = group 1, B = group 2: B − A = +1.58 with the interval's signs flipped.
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean), Means(Group1), Means(Group2));

        Assert.Equal(1.58, result.Estimate!.Value, 1e-12);
        Assert.Equal(0.07939, result.PValue!.Value, 5e-6);
        Assert.Equal(-0.2054832, result.CiLow!.Value, 1e-6);
        Assert.Equal(3.3654832, result.CiHigh!.Value, 1e-6);
        Assert.Equal(Suggestion.Inconclusive, result.Suggestion);
        Assert.StartsWith("No significant difference: qualityMean B 2.330 vs A 0.750", result.Advice, StringComparison.Ordinal);

        // At α = 0.1 the same data says quality rose in B: ship it.
        var lenient = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean, alpha: 0.1), Means(Group1), Means(Group2));
        Assert.Equal(Suggestion.ShipB, lenient.Suggestion);
        Assert.Contains("The data supports shipping B.", lenient.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void AOneSidedPlan_ReportsTheOneSidedPValueOfBBeingBetter()
    {
        var two = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean), Means(Group1), Means(Group2));
        var one = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean, sides: 1), Means(Group1), Means(Group2));
        Assert.Equal(0.07939 / 2, one.PValue!.Value, 5e-6);
        Assert.Equal(Suggestion.ShipB, one.Suggestion); // 0.0397 < 0.05

        // For cost, lower is better: the same rise in B is evidence against it, p = 1 − 0.0397.
        var cost = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.CostPerCall, sides: 1), Means(Group1), Means(Group2));
        Assert.Equal(1 - two.PValue!.Value / 2, cost.PValue!.Value, 12);
    }

    [Theory]
    // chisq.test(c(5200, 4800)): X-squared = 16, df = 1, p-value = 6.334e-05 (pchisq(16, 1, lower.tail = FALSE)).
    [InlineData(5_200, 4_800, 50, 16.0, 6.334248e-05, true)]
    // chisq.test(c(5050, 4950)): X-squared = 1, p-value = 0.3173.
    [InlineData(5_050, 4_950, 50, 1.0, 0.3173105, false)]
    // chisq.test(c(8000, 2000), p = c(0.8, 0.2)): X-squared = 0, p-value = 1.
    [InlineData(8_000, 2_000, 20, 0.0, 1.0, false)]
    public void SampleRatioMismatch_IsRsChisqTest_FlaggedBelowOnePerMille(long a, long b, double split, double statistic, double p, bool flagged)
    {
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.ErrorRate, split: split, plannedA: 100, plannedB: 100), Rate(a / 100, a), Rate(b / 100, b));

        Assert.Equal(statistic, result.SrmStatistic, 1e-9);
        Assert.Equal(p, result.SrmPValue, p * 1e-6);
        Assert.Equal(flagged, result.SrmFlagged);
        if (flagged)
        {
            Assert.Equal(Suggestion.Untrustworthy, result.Suggestion);
            Assert.StartsWith("Sample ratio mismatch: arm B has 48.00 % of the requests, planned 50 % (χ² = 16.00, p = 6.3E-5 < 0.001)", result.Advice, StringComparison.Ordinal);
            Assert.Contains("cannot be trusted", result.Advice, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void BeforeThePlanIsReached_ItSaysWait_AndShowsTheResultSoFar()
    {
        // 2 % against 3.2 %: the always-valid interval still holds 0, so it cannot decide early either.
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.ErrorRate, plannedA: 1_000, plannedB: 1_000), Rate(10, 500), Rate(16, 500));

        Assert.Equal(Suggestion.Wait, result.Suggestion);
        Assert.True(result.Sequential!.PValue > 0.05);
        Assert.Equal(0.5, result.Progress, 12);
        Assert.StartsWith("Not enough data yet: 50 % of the plan (500 of 1,000 in A, 500 of 1,000 in B).", result.Advice, StringComparison.Ordinal);
        Assert.NotNull(result.PValue);
    }

    [Fact]
    public void WithoutDataInAnArm_ThereIsNoResult()
    {
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean), new RequestArm(10, 0, 0, 0), Means(Group2));

        Assert.Null(result.Estimate);
        Assert.Null(result.PValue);
        Assert.Equal(Suggestion.Wait, result.Suggestion);
        Assert.StartsWith("No result yet", result.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void DeltaMethod_MatchesAHandWorkedExample()
    {
        // Subjects (Y, X) = (1, 2), (0, 3), (2, 5): R = 3/10 = 0.3, X̄ = 10/3. Residuals Y − R·X = 0.4, −0.9, 0.5,
        // Σ² = 1.22, over n − 1 = 0.61; Var(R) = 0.61 / (3 · (10/3)²) = 0.0183.
        var arm = new SubjectArm(3, 10, SumY: 3, SumX: 10, SumYY: 1 + 0 + 4, SumXX: 4 + 9 + 25, SumXY: 2 + 0 + 10);

        var (ratio, variance) = ExperimentAnalysis.Ratio(arm)!.Value;

        Assert.Equal(0.3, ratio, 12);
        Assert.Equal(0.0183, variance, 12);
    }

    [Fact]
    public void DeltaMethod_AgreesWithABruteForceComputationOverSubjects()
    {
        var random = new Random(7);
        (double Y, double X)[] Subjects(double rate) => Enumerable.Range(0, 400).Select(_ =>
        {
            var calls = random.Next(1, 12);
            var errors = Enumerable.Range(0, calls).Count(_ => random.NextDouble() < rate);
            return ((double)errors, (double)calls);
        }).ToArray();

        var a = Subjects(0.02);
        var b = Subjects(0.05);
        static SubjectArm Fold((double Y, double X)[] s) =>
            new(s.Length, (long)s.Sum(x => x.X), s.Sum(x => x.Y), s.Sum(x => x.X), s.Sum(x => x.Y * x.Y), s.Sum(x => x.X * x.X), s.Sum(x => x.X * x.Y));

        // Brute force: the ratio, the residuals' variance over subjects, the z-test of the difference.
        static (double Ratio, double Variance) Brute((double Y, double X)[] s)
        {
            var ratio = s.Sum(x => x.Y) / s.Sum(x => x.X);
            var meanX = s.Average(x => x.X);
            var residuals = s.Select(x => x.Y - ratio * x.X).ToArray();
            var mean = residuals.Average();
            var variance = residuals.Sum(r => (r - mean) * (r - mean)) / (s.Length - 1);
            return (ratio, variance / (s.Length * meanX * meanX));
        }

        var (ra, va) = Brute(a);
        var (rb, vb) = Brute(b);
        var se = Math.Sqrt(va + vb);
        var expectedP = 2 * MathNet.Numerics.Distributions.Normal.CDF(0, 1, -Math.Abs((rb - ra) / se));

        var result = ExperimentAnalysis.PerSubject(Plan(MetricCatalog.ErrorRate, plannedA: 400, plannedB: 400), Fold(a), Fold(b));

        Assert.Equal("subject", result.Unit);
        Assert.Equal((400, 400), (result.ObservedA, result.ObservedB));
        Assert.Equal(rb - ra, result.Estimate!.Value, 12);
        Assert.Equal(expectedP, result.PValue!.Value, 1e-9);
        Assert.Equal(rb - ra - 1.959963984540054 * se, result.CiLow!.Value, 1e-9);
        Assert.False(result.SrmFlagged); // 400 and 400 subjects at 50 %
    }

    [Fact]
    public void DeltaMethod_WithOneCallPerSubject_IsTheUnpooledTestPerCall()
    {
        // X = 1 for every subject: Var(R) = s²_Y / n with s²_Y = k(n − k) / (n(n − 1)).
        static SubjectArm OneCallEach(long n, long k) => new(n, n, k, n, k, n, k);
        var (ratio, variance) = ExperimentAnalysis.Ratio(OneCallEach(1_000, 20))!.Value;

        Assert.Equal(0.02, ratio, 12);
        Assert.Equal(20.0 * 980 / (1_000.0 * 999) / 1_000, variance, 15);
    }

    [Fact]
    public void SubjectSrm_CountsSubjects()
    {
        var a = new SubjectArm(5_200, 50_000, 100, 50_000, 100, 600_000, 1_000);
        var b = new SubjectArm(4_800, 50_000, 100, 50_000, 100, 600_000, 1_000);

        var result = ExperimentAnalysis.PerSubject(Plan(MetricCatalog.ErrorRate), a, b);

        Assert.Equal(16.0, result.SrmStatistic, 1e-9);
        Assert.True(result.SrmFlagged);
        Assert.Contains("of the subjects", result.Advice, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 10, "errorRate", "family")]
    [InlineData("f", 0.5, "errorRate", "splitBPercent")]
    [InlineData("f", 51, "errorRate", "splitBPercent")]
    [InlineData("f", 10.125, "errorRate", "splitBPercent")]
    [InlineData("f", 10, "latencyP95", "metric")]
    public void ADraft_NamesTheFieldItGotWrong(string? family, double split, string metric, string field)
    {
        var errors = new ValidationErrors();
        new ExperimentDraft(family, "b", split, metric, 0.01, "absolute", 0.05, 0.8).Check(errors);
        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Fact]
    public void ADraftsPlan_IsThePlannersWithTheSplitAsTheAllocationRatio()
    {
        // The planner is checked against R's power.prop.test on its own; here: 50 % is equal arms, 20 % is k = 1/4,
        // and an error rate is planned to drop (its good direction): 2 % → 1 %.
        var planner = SampleSizePlanner.Plan(new SampleSizeRequest(PlannedMetric.Proportion, 0.02, -0.01, MdeType.Absolute, 0.05, 0.8));
        var equal = new ExperimentDraft("f", "b", 50, "errorRate", 0.01, "absolute", 0.05, 0.8).Plan(MetricCatalog.ErrorRate, 0.02, null);
        Assert.Equal(planner, equal);
        Assert.Equal(equal.PerArmCeiling, equal.PerArmB);

        var split = new ExperimentDraft("f", "b", 20, "errorRate", 0.01, "absolute", 0.05, 0.8).Plan(MetricCatalog.ErrorRate, 0.02, null);
        var quarter = SampleSizePlanner.Plan(new SampleSizeRequest(PlannedMetric.Proportion, 0.02, -0.01, MdeType.Absolute, 0.05, 0.8, Ratio: 0.25));
        Assert.Equal(quarter, split);
        Assert.True(split.PerArmB < equal.PerArmB && split.PerArm > equal.PerArm);

        // Quality is planned to rise; its sign does not change a mean's size.
        var quality = new ExperimentDraft("f", "b", 50, "qualityMean", 0.05, "absolute", 0.05, 0.8).Plan(MetricCatalog.QualityMean, 0.8, 0.2);
        Assert.Equal(0.05, quality.EffectAbsolute, 12);
        Assert.Equal(-0.01, equal.EffectAbsolute, 12);
    }

    [Fact]
    public void AOneSidedPlan_ShowsThe1Minus2AlphaInterval_WhichExcludes0ExactlyWhenItsPIsBelowAlpha()
    {
        // One-sided α = 0.05 on the sleep data: p = 0.0397 < 0.05, and the 90 % interval's lower bound is above 0.
        var one = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean, sides: 1), Means(Group1), Means(Group2));
        Assert.Equal(0.90, one.Confidence, 12);
        Assert.True(one.CiLow > 0);
        Assert.Contains("(90 % CI", one.Advice, StringComparison.Ordinal);
        var two = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.QualityMean), Means(Group1), Means(Group2));
        Assert.Equal(0.95, two.Confidence, 12);
        Assert.True(two.CiLow < 0);
    }

    [Theory]
    [InlineData("shipB", ExperimentDecision.ShipB)]
    [InlineData("keepA", ExperimentDecision.KeepA)]
    [InlineData("inconclusive", ExperimentDecision.Inconclusive)]
    public void Decisions_HaveTheirWireNames(string wire, ExperimentDecision decision)
    {
        Assert.True(ExperimentRules.TryDecision(wire, out var parsed));
        Assert.Equal(decision, parsed);
        Assert.Equal(wire, ExperimentRules.Of(decision));
        Assert.False(ExperimentRules.TryDecision("ship", out _));
    }

    [Fact]
    public void TheAlwaysValidAnalysis_StandsBesideTheFixedOne_AndMayDecideBeforeThePlan()
    {
        // 2 % against 4 % of 5,000 each, at a quarter of a plan of 20,000 per arm (N* = 40,000): worked by hand from
        // DESIGN.md's formula, the interval is 0.00888222 to 0.03111778 and p = 1.81494e-5.
        var result = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.ErrorRate, plannedA: 20_000, plannedB: 20_000), Rate(100, 5000), Rate(200, 5000));
        var q = result.Sequential!;
        Assert.Equal(40_000, q.Tuning);
        Assert.Equal(0.00888221739, q.CiLow!.Value, 1e-10);
        Assert.Equal(0.03111778261, q.CiHigh!.Value, 1e-10);
        Assert.Equal(1.814939733e-05, q.PValue!.Value, 1e-13);
        Assert.True(q.CiLow < result.CiLow && q.CiHigh > result.CiHigh); // wider than the fixed interval: the price of looking at any time
        // B's error rate is worse, and the always-valid interval allows saying so at 25 % of the plan.
        Assert.Equal(Suggestion.KeepA, result.Suggestion);
        Assert.Contains("always valid", result.Advice, StringComparison.Ordinal);

        // Before a tenth of the plan nothing is suggested, however large the difference.
        var tooEarly = ExperimentAnalysis.PerRequest(Plan(MetricCatalog.ErrorRate, plannedA: 20_000, plannedB: 20_000), Rate(20, 1000), Rate(200, 1000));
        Assert.True(tooEarly.Sequential!.PValue < 1e-6);
        Assert.Equal(Suggestion.Wait, tooEarly.Suggestion);
    }

    [Theory]
    // Worked by hand from Lindon and Malek's Beta-binomial mixture (c = 100): BF = B(cθ + n_B, c(1 − θ) + n_A) / B(cθ, c(1 − θ)) / (θ^n_B (1 − θ)^n_A).
    [InlineData(5000, 5000, 50, 1.0)]
    [InlineData(4800, 5200, 50, 0.003647864279)]      // chisq.test says 6.3e-5 for this split: the sequential check is more cautious
    [InlineData(9300, 700, 5, 7.440708494e-16)]
    public void TheSequentialSampleRatioCheck_MatchesItsFormula(long a, long b, double splitB, double expected) =>
        Assert.Equal(expected, ConfidenceSequence.SampleRatioPValue(a, b, splitB / 100), Math.Max(1e-12, expected * 1e-8));
}
