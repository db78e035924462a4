using System.Diagnostics;
using System.Globalization;
using ModelConsole.Core.Simulation;

namespace ModelConsole.Benchmarks;

/// <summary>
/// The continuous-monitoring measurement (issue "sequential"): simulated canaries judged every 10 s by today's default
/// window rules and by the sequential rules, side by side on the same draws. Three scenarios: A/A (identical arms,
/// 100 calls/s with the daily shape, ramped 1 → 5 → 25 % over HOURS), a canary worse from its start (errors 2 % → 4 %,
/// quality −10 %, flat 100 calls/s at 5 % for 2 h), and one that degrades late (the A/A ramp, worse from 3/4 of HOURS).
/// Prints the share of runs in which each rule ever acted (± the simulation's standard error) and, for the worse
/// candidates, the share that acted before the degradation (a false alarm first), the share detected after it and the
/// detection delays from the degradation's start.
/// Usage: monitoring RUNS HOURS [SEED]   (full: monitoring 2000 24; smoke: monitoring 40 2)
/// </summary>
public static class Monitoring
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        if (args is not [var runsText, var hoursText, ..] || !int.TryParse(runsText, C, out var runs) || runs is < 1 or > 100_000
            || !double.TryParse(hoursText, C, out var hours) || hours is < 0.5 or > 72
            || (args.Length > 2 && !int.TryParse(args[2], C, out _)))
        {
            Console.Error.WriteLine("usage: monitoring RUNS(1-100000) HOURS(0.5-72) [SEED]");
            return 2;
        }

        var seed = args.Length > 2 ? int.Parse(args[2], C) : 20261202;
        var rules = MonitoringHarness.DefaultRules();
        var parallelism = Environment.ProcessorCount;
        Console.WriteLine($"{runs:N0} runs per scenario, looks every 10 s, seed {seed}, {parallelism} threads");

        var aa = new MonitoringScenario { Hours = hours };
        Report($"A/A: identical arms, 100 calls/s with the daily shape, ramped 1 → 5 → 25 % over {hours:0.#} h — share of runs that ever act",
            aa, rules, runs, seed, parallelism, delays: false);

        var worse = new MonitoringScenario { Hours = Math.Min(hours, 2), RampPercents = [5], DailyShape = false, DegradedErrorRate = 0.04, DegradedQualityFactor = 0.9 };
        Report($"Worse from its start: errors 2 % → 4 %, quality −10 %, flat 100 calls/s at 5 % for {worse.Hours:0.#} h — detection",
            worse, rules, runs, seed + 1, parallelism, delays: true);

        var late = aa with { DegradedErrorRate = 0.04, DegradedQualityFactor = 0.9, DegradeAfterHours = hours * 0.75 };
        Report($"Degrades late: the A/A ramp, worse from {late.DegradeAfterHours:0.#} h (at 25 %) — detection",
            late, rules, runs, seed + 2, parallelism, delays: true);
        return 0;
    }

    private static void Report(string title, MonitoringScenario scenario, IReadOnlyList<MonitoredRule> rules, int runs, int seed, int parallelism, bool delays)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = MonitoringHarness.Run(scenario, rules, runs, seed, parallelism);
        Console.WriteLine();
        Console.WriteLine($"{title} ({clock.Elapsed.TotalSeconds:0.#} s)");
        Console.WriteLine(delays
            ? $"  {"rule",-46} {"acted early",12} {"detected",10} {"p50 delay",10} {"p95 delay",10}"
            : $"  {"rule",-46} {"acted in",10} {"± 1 SE",8}");
        foreach (var o in outcomes)
        {
            Console.WriteLine(delays
                ? $"  {o.Name,-46} {o.EarlyShare.ToString("P1", C),12} {o.DetectedShare.ToString("P1", C),10} {Minutes(o.Delay(0.5)),10} {Minutes(o.Delay(0.95)),10}"
                : $"  {o.Name,-46} {o.Share.ToString("P1", C),10} {o.StandardError.ToString("P1", C),8}");
        }
    }

    private static string Minutes(double? seconds) => seconds is { } s ? (s / 60).ToString("0.0", C) + " min" : "–";
}
