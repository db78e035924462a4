using MathNet.Numerics.Distributions;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Simulation;

/// <summary>
/// A simulated canary under continuous monitoring: traffic at <see cref="CallsPerSecond"/> on average (with the demo's
/// daily shape, or flat), the candidate's share walking <see cref="RampPercents"/> in equal parts of the span, drawn
/// per look (binomial errors, normal quality scores) for the ACTIVE bundle and the candidate, and judged at every look.
/// Identical arms make an A/A test; a worse candidate (from <see cref="DegradeAfterHours"/>) measures detection.
/// </summary>
public sealed record MonitoringScenario
{
    public double CallsPerSecond { get; init; } = 100;

    public double Hours { get; init; } = 24;

    public int LookSeconds { get; init; } = 10;

    /// <summary>The candidate's percent in each equal part of the span (a ramp); one value holds it there.</summary>
    public IReadOnlyList<double> RampPercents { get; init; } = [1, 5, 25];

    /// <summary>The demo's daily traffic shape (trough at 04:00, peak at 16:00, starting at midnight), or flat.</summary>
    public bool DailyShape { get; init; } = true;

    public double ErrorRate { get; init; } = 0.02;

    public double QualityMean { get; init; } = 0.8;

    public double QualityStdDev { get; init; } = 0.15;

    /// <summary>The candidate's error rate once degraded (null: the same as the active's).</summary>
    public double? DegradedErrorRate { get; init; }

    /// <summary>The candidate's quality as a factor of the active's once degraded.</summary>
    public double DegradedQualityFactor { get; init; } = 1;

    /// <summary>When the degradation starts, in hours from the stage's start.</summary>
    public double DegradeAfterHours { get; init; }

    /// <summary>Whether the candidate is worse at all (else an A/A run).</summary>
    public bool Degraded => DegradedErrorRate is not null || DegradedQualityFactor != 1;

    internal void Check()
    {
        Guard.Positive(CallsPerSecond, nameof(CallsPerSecond));
        Guard.Positive(Hours, nameof(Hours));
        if (LookSeconds is < 1 or > 3600)
        {
            throw Guard.OutOfRange(nameof(LookSeconds), LookSeconds, "A look is every 1 to 3,600 seconds.");
        }

        if (!(ErrorRate is >= 0 and <= 1) || DegradedErrorRate is { } degraded && !(degraded is >= 0 and <= 1))
        {
            throw Guard.OutOfRange(nameof(ErrorRate), (ErrorRate, DegradedErrorRate), "Error rates are from 0 to 1.");
        }

        if (!(QualityStdDev > 0) || !(DegradedQualityFactor > 0) || !double.IsFinite(QualityMean))
        {
            throw Guard.OutOfRange(nameof(QualityStdDev), (QualityStdDev, DegradedQualityFactor), "Quality needs a finite mean, a spread above 0 and a factor above 0.");
        }

        if (!(DegradeAfterHours >= 0 && DegradeAfterHours < Hours))
        {
            throw Guard.OutOfRange(nameof(DegradeAfterHours), DegradeAfterHours, "The degradation starts within the span.");
        }

        if (RampPercents.Count == 0 || RampPercents.Any(p => !(p > 0 && p <= 100)))
        {
            throw Guard.OutOfRange(nameof(RampPercents), RampPercents, "Each ramp step is a percent above 0 and at most 100.");
        }
    }
}

/// <summary>A rule as the harness watches it, by its window or sequentially as the rule says.</summary>
public sealed record MonitoredRule(string Name, Rule Rule)
{
    public bool Sequential => Rule.IsSequential;
}

/// <summary>
/// What one rule did over every run: when it first acted in each run that it acted in, in seconds from the
/// degradation's start (from the stage's start in an A/A run) — negative when it acted before the candidate got worse,
/// a false alarm that ended the run's canary early.
/// </summary>
public sealed record MonitoredOutcome(string Name, bool Sequential, int Runs, IReadOnlyList<double> ActedAtSeconds)
{
    /// <summary>Runs in which the rule ever acted.</summary>
    public int Fired => ActedAtSeconds.Count;

    /// <summary>The share of runs in which the rule ever acted (the false-alarm rate of an A/A run).</summary>
    public double Share => (double)Fired / Runs;

    /// <summary>The simulation's standard error of <see cref="Share"/>.</summary>
    public double StandardError => Math.Sqrt(Share * (1 - Share) / Runs);

    /// <summary>The share of runs in which it acted before the degradation began.</summary>
    public double EarlyShare => (double)ActedAtSeconds.Count(s => s < 0) / Runs;

    /// <summary>The share of runs in which it acted once the candidate was worse.</summary>
    public double DetectedShare => (double)ActedAtSeconds.Count(s => s >= 0) / Runs;

    /// <summary>A quantile of the detection delay over the runs that acted after the degradation began, or null when none did.</summary>
    public double? Delay(double q)
    {
        var sorted = ActedAtSeconds.Where(s => s >= 0).Order().ToList();
        return sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>
/// Runs <see cref="MonitoringScenario"/> many times and reports, per rule, the share of runs that ever act (the
/// false-alarm rate on an A/A canary) and the detection delays (on a worse one). Window rules are judged by the very
/// code the evaluator uses (<see cref="IRuleTest.Judge"/> on the last <c>windowMinutes</c>, counting
/// <c>consecutive</c> breaches); sequential rules by <see cref="SequentialTest"/> on everything since the stage began,
/// per ramp step. Each run has its own seed, so the figures do not depend on how many run at once.
/// </summary>
public static class MonitoringHarness
{
    /// <summary>The default sequential rule of new families: errorRate, rollback, α 0.05, minEffect 0.5, minAbsoluteEffect 0.005, minSamples 200.</summary>
    public static Rule DefaultSequentialRule { get; } = RuleDraft.DefaultSequential.ToRule(0, new ValidationErrors())!;

    /// <summary>The window rules a new family starts with that the harness can draw (error rate and quality), and the sequential ones beside them.</summary>
    public static IReadOnlyList<MonitoredRule> DefaultRules()
    {
        var errors = new ValidationErrors();
        var windows = RuleDraft.Defaults.Select((d, i) => d.ToRule(i + 1, errors)!).Where(r => !r.IsSequential).ToList();
        return
        [
            new("errorRate rollback (window, z 4)", windows.First(r => r.Metric == MetricCatalog.ErrorRate && r.Action == RuleAction.Rollback)),
            new("errorRate alert (window, z 3, 2 in a row)", windows.First(r => r.Metric == MetricCatalog.ErrorRate && r.Action == RuleAction.Alert)),
            new("qualityMean alert (window, z 3, 2 in a row)", windows.First(r => r.Metric == MetricCatalog.QualityMean)),
            new("errorRate rollback (sequential, α 0.05)", DefaultSequentialRule),
            new("qualityMean alert (sequential, α 0.05)", DefaultSequentialRule with { Metric = MetricCatalog.QualityMean, Action = RuleAction.Alert, MinEffect = 0.05, MinAbsoluteEffect = 0 }),
        ];
    }

    /// <summary>Runs the scenario <paramref name="runs"/> times; N* for sequential rules is 20 × the largest minSamples.</summary>
    public static IReadOnlyList<MonitoredOutcome> Run(MonitoringScenario scenario, IReadOnlyList<MonitoredRule> rules, int runs, int seed, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(rules);
        scenario.Check();
        if (runs < 1)
        {
            throw Guard.OutOfRange(nameof(runs), runs, "At least one run.");
        }

        if (rules.Any(r => r.Sequential && !SequentialTest.Supports(r.Rule.Metric)) || rules.Any(r => r.Rule.Metric != MetricCatalog.ErrorRate && r.Rule.Metric != MetricCatalog.QualityMean))
        {
            throw Guard.OutOfRange(nameof(rules), rules.Count, "The harness draws error rate and quality only.");
        }

        var tuning = SequentialTest.TuningSamples(null, rules.Max(r => r.Rule.MinSamples));
        var delays = new double?[runs, rules.Count];
        Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, run =>
        {
            var result = RunOnce(scenario, rules, tuning, new Random(unchecked(seed * 1_000_003 + run)));
            for (var i = 0; i < rules.Count; i++)
            {
                delays[run, i] = result[i];
            }
        });

        return rules.Select((r, i) =>
        {
            var fired = Enumerable.Range(0, runs).Select(run => delays[run, i]).Where(d => d is not null).Select(d => d!.Value).ToList();
            return new MonitoredOutcome(r.Name, r.Sequential, runs, fired);
        }).ToList();
    }

    // One look's draws for one arm.
    private readonly record struct Draw(double Calls, double Errors, Moments Quality);

    private sealed class Window(int looks)
    {
        private readonly Draw[] _ring = new Draw[looks];
        private int _next;

        public double Calls { get; private set; }

        public double Errors { get; private set; }

        public Moments Quality { get; private set; }

        public void Add(Draw draw)
        {
            var old = _ring[_next];
            _ring[_next] = draw;
            _next = (_next + 1) % _ring.Length;
            Calls += draw.Calls - old.Calls;
            Errors += draw.Errors - old.Errors;
            Quality = new Moments(Quality.Count + draw.Quality.Count - old.Quality.Count, Quality.Sum + draw.Quality.Sum - old.Quality.Sum,
                Quality.SumSquares + draw.Quality.SumSquares - old.Quality.SumSquares);
        }
    }

    private sealed class Totals
    {
        public double Calls;
        public double Errors;
        public double QCount;
        public double QSum;
        public double QSquares;

        public void Add(Draw d)
        {
            Calls += d.Calls;
            Errors += d.Errors;
            QCount += d.Quality.Count;
            QSum += d.Quality.Sum;
            QSquares += d.Quality.SumSquares;
        }

        public MetricWindow For(Metric metric) => WindowOf(metric, Calls, Errors, new Moments(QCount, QSum, QSquares));
    }

    private static double?[] RunOnce(MonitoringScenario s, IReadOnlyList<MonitoredRule> rules, double tuning, Random random)
    {
        var looks = (int)Math.Round(s.Hours * 3600 / s.LookSeconds);
        var delays = new double?[rules.Count];
        var streaks = new int[rules.Count];
        var windows = rules.Select(r => Math.Max(1, r.Rule.WindowMinutes * 60 / s.LookSeconds)).Distinct().ToDictionary(w => w, w => (Candidate: new Window(w), Active: new Window(w)));
        var steps = s.RampPercents.Select(_ => (Candidate: new Totals(), Active: new Totals())).ToArray();
        var mean = s.DailyShape ? TrafficShape.Trough + (1 - TrafficShape.Trough) / 2 : 1;
        var degradeAt = (int)Math.Round(s.DegradeAfterHours * 3600 / s.LookSeconds);
        var pending = rules.Count;
        for (var look = 0; look < looks && pending > 0; look++)
        {
            var seconds = (double)look * s.LookSeconds;
            var shape = s.DailyShape ? TrafficShape.Factor(DateTime.UnixEpoch.AddSeconds(seconds)) / mean : 1;
            var calls = s.CallsPerSecond * s.LookSeconds * shape;
            var step = Math.Min(s.RampPercents.Count - 1, look * s.RampPercents.Count / looks);
            var candidateCalls = Math.Round(calls * s.RampPercents[step] / 100);
            var activeCalls = Math.Round(calls) - candidateCalls;
            var degraded = s.Degraded && look >= degradeAt;
            var active = DrawOf(random, activeCalls, s.ErrorRate, s.QualityMean, s.QualityStdDev);
            var candidate = DrawOf(random, candidateCalls, degraded ? s.DegradedErrorRate ?? s.ErrorRate : s.ErrorRate,
                s.QualityMean * (degraded ? s.DegradedQualityFactor : 1), s.QualityStdDev);
            foreach (var (c, a) in windows.Values)
            {
                c.Add(candidate);
                a.Add(active);
            }

            steps[step].Candidate.Add(candidate);
            steps[step].Active.Add(active);
            for (var i = 0; i < rules.Count; i++)
            {
                if (delays[i] is not null)
                {
                    continue;
                }

                var rule = rules[i].Rule;
                Verdict verdict;
                if (rules[i].Sequential)
                {
                    var strata = steps.Take(step + 1).Select(x => new RampStepWindow(x.Candidate.For(rule.Metric), x.Active.For(rule.Metric))).ToList();
                    verdict = SequentialTest.Judge(rule, tuning, strata, explain: false);
                }
                else
                {
                    var (c, a) = windows[Math.Max(1, rule.WindowMinutes * 60 / s.LookSeconds)];
                    verdict = rule.Test.Judge(rule, WindowOf(rule.Metric, c), WindowOf(rule.Metric, a), null, explain: false);
                }

                streaks[i] = verdict.Kind == VerdictKind.Breach ? streaks[i] + 1 : verdict.Kind == VerdictKind.Pass ? 0 : streaks[i];
                if (streaks[i] >= rule.Consecutive)
                {
                    delays[i] = seconds + s.LookSeconds - (s.Degraded ? (double)degradeAt * s.LookSeconds : 0);
                    pending--;
                }
            }
        }

        return delays;
    }

    private static MetricWindow WindowOf(Metric metric, Window w) => WindowOf(metric, w.Calls, w.Errors, w.Quality);

    // What a rule reads of some calls: the error rate's events, or the quality scores' moments.
    private static MetricWindow WindowOf(Metric metric, double calls, double errors, Moments quality) => metric == MetricCatalog.ErrorRate
        ? new MetricWindow(calls, new Moments(calls, errors, errors))
        : new MetricWindow(calls, quality);

    private static Draw DrawOf(Random random, double calls, double errorRate, double quality, double sd)
    {
        if (calls <= 0)
        {
            return default;
        }

        var n = (int)calls;
        var errors = Binomial(random, n, errorRate);
        // n scores of N(quality, sd): their mean is N(quality, sd/√n) and (n − 1)·S²/sd² is χ²(n − 1).
        var scoreMean = Normal.Sample(random, quality, sd / Math.Sqrt(n));
        var squares = n > 1 ? Gamma.Sample(random, (n - 1) / 2.0, 0.5) * sd * sd : 0; // χ²(k) is Gamma(k/2, rate 1/2), drawn in O(1)
        return new Draw(n, errors, new Moments(n, n * scoreMean, squares + n * scoreMean * scoreMean));
    }

    /// <summary>A binomial draw: by inversion while n·p is small, else the normal approximation (n·p(1 − p) is large there).</summary>
    private static double Binomial(Random random, int n, double p)
    {
        var mean = n * p;
        if (mean > 40)
        {
            return Math.Clamp(Math.Round(Normal.Sample(random, mean, Math.Sqrt(mean * (1 - p)))), 0, n);
        }

        // Inversion: walk the cumulative distribution from 0 (expected steps ≈ n·p).
        var u = random.NextDouble();
        var q = 1 - p;
        var probability = Math.Pow(q, n);
        var cumulative = probability;
        var k = 0;
        while (u > cumulative && k < n)
        {
            probability *= (double)(n - k) / (k + 1) * p / q;
            k++;
            cumulative += probability;
        }

        return k;
    }
}
