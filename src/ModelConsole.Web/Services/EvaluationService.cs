using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A family was evaluated: the rules editor shows each rule's latest derivation live.</summary>
public sealed record FamilyEvaluatedEvent(string Family, IReadOnlyList<BundleVerdict> Verdicts, DateTime At);

/// <summary>One rule's verdict on one bundle.</summary>
public sealed record BundleVerdict(string Bundle, string Stage, Verdict Verdict);

/// <summary>
/// Judges every family's live bundles by its rules (Core's <see cref="RuleEvaluator"/>): each candidate (CANARY,
/// SHADOW) against the ACTIVE bundle in the same window, or the ACTIVE bundle alone against its baseline. A rule
/// that breaches <c>consecutive</c> times on new data has <see cref="AlertsService"/> raise its alert (and roll back
/// for a rollback rule). One evaluation per family runs at a time (<see cref="CoalescingRunner{TKey, TInput}"/>:
/// triggers arriving meanwhile are coalesced into one rerun right after, never dropped); whole passes (the Quartz
/// job's) run one after another.
/// </summary>
public sealed class EvaluationService : IDisposable
{
    private readonly AlertStore _alerts;
    private readonly AlertsService _alerting;
    private readonly TelemetryQueries _telemetry;
    private readonly TelemetryService _bundles;
    private readonly RoutingSnapshot _routing;
    private readonly LiveEvents _live;
    private readonly TimeProvider _clock;
    private readonly IOptions<AlertsOptions> _options;
    private readonly ILogger<EvaluationService> _logger;
    private readonly CoalescingRunner<string, FamilyData> _runner;
    private readonly SequentialSteps _steps;

    public EvaluationService(AlertStore alerts, AlertsService alerting, TelemetryQueries telemetry, TelemetryService bundles, RoutingSnapshot routing,
        LiveEvents live, TimeProvider clock, IOptions<AlertsOptions> options, ILogger<EvaluationService> logger)
    {
        (_alerts, _alerting, _telemetry, _bundles, _routing, _live, _clock, _options, _logger) = (alerts, alerting, telemetry, bundles, routing, live, clock, options, logger);
        _steps = new SequentialSteps(telemetry);
        _runner = new CoalescingRunner<string, FamilyData>((family, preloaded) => EvaluateSafelyAsync(family, preloaded, Stopwatch.GetTimestamp(), CancellationToken.None));
    }

    /// <summary>Whole passes run one after another: a pass that is slow holds the next one back, never overlaps it.</summary>
    private readonly SemaphoreSlim _pass = new(1, 1);
    private int _passesRunning;
    private int _maxPassesRunning;

    /// <summary>Each rule's memory per bundle, read from the database once and written back whenever it changes.</summary>
    private readonly ConcurrentDictionary<(int Bundle, long Rule), RuleState> _states = new();
    private readonly SemaphoreSlim _statesLoad = new(1, 1);
    private volatile bool _statesLoaded;
    private readonly ConcurrentDictionary<string, FamilyEvaluatedEvent> _latest = new(StringComparer.Ordinal);

    private long _evaluations;

    /// <summary>How many family evaluations have run (tests and the benchmark watch it).</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <summary>The latest verdicts of a family, for the rules editor.</summary>
    public FamilyEvaluatedEvent? Latest(string family) => _latest.GetValueOrDefault(family);

    /// <summary>
    /// Evaluates the family now, or, when an evaluation of it is running, once more right after it (however many
    /// triggers arrive meanwhile). Completes when the evaluation that covers this trigger has finished.
    /// </summary>
    public Task TriggerAsync(string family, CancellationToken cancellationToken) => _runner.TriggerAsync(family);

    /// <summary>
    /// One pass over every family with an ACTIVE bundle (the Quartz job): rules, rollups, open alerts and baselines of
    /// all families in one set-based read each, then each family judged in memory (a family already being evaluated
    /// gets its coalesced rerun instead).
    /// </summary>
    public async Task EvaluateAllAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        var running = Interlocked.Increment(ref _passesRunning);
        InterlockedMax(ref _maxPassesRunning, running);
        var started = Stopwatch.GetTimestamp();
        using var activity = ConsoleMetrics.Activities.StartActivity("evaluation pass");
        try
        {
            var data = await LoadAllAsync(cancellationToken);
            activity?.SetTag("modelconsole.families", data.Count);
            await Task.WhenAll(data.Select(d => _runner.TriggerAsync(d.Key, d.Value)));
            ConsoleMetrics.EvaluationPass.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            Interlocked.Decrement(ref _passesRunning);
            _pass.Release();
        }
    }

    /// <summary>The most whole passes ever seen running at once (tests check it stays 1).</summary>
    public int MaxConcurrentPasses => Volatile.Read(ref _maxPassesRunning);

    public void Dispose()
    {
        _pass.Dispose();
        _statesLoad.Dispose();
    }

    /// <summary>Reads the kept rule states once, before the first judgement (a restart forgets no breach).</summary>
    private async Task LoadStatesAsync(CancellationToken cancellationToken)
    {
        if (_statesLoaded)
        {
            return;
        }

        await _statesLoad.WaitAsync(cancellationToken);
        try
        {
            if (!_statesLoaded)
            {
                foreach (var (key, state) in await _alerts.RuleStatesAsync(cancellationToken))
                {
                    _states.TryAdd(key, state);
                }

                _statesLoaded = true;
            }
        }
        finally
        {
            _statesLoad.Release();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    private async Task EvaluateSafelyAsync(string family, FamilyData? data, long triggeredAt, CancellationToken cancellationToken)
    {
        try
        {
            Interlocked.Increment(ref _evaluations);
            data ??= await LoadFamilyAsync(family, cancellationToken);
            if (data is not null)
            {
                await JudgeAsync(family, data, triggeredAt, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Evaluating family {Family} failed; the next trigger tries again", family);
        }
    }

    /// <summary>What one family's evaluation reads: its rules, who is judged, the window's minutes, open alerts and baselines.</summary>
    private sealed record FamilyData(
        FamilyRules Rules,
        FamilyRoute Route,
        TelemetryBundle Active,
        IReadOnlyList<(TelemetryBundle Bundle, Stage Stage)> Judged,
        IReadOnlyDictionary<(int Bundle, int Window), MinuteRollup> Totals,
        IReadOnlyDictionary<(string Bundle, long Rule), AlertRecord> Open,
        IReadOnlyDictionary<int, BaselineReference> Baselines,
        DateTime Now,
        DateTime To)
    {
        /// <summary>Each judged candidate's ramp steps since its stage began (for sequential rules), and its N*.</summary>
        public IReadOnlyDictionary<int, (IReadOnlyList<(MinuteRollup Candidate, MinuteRollup Active)> Steps, double Tuning)> Sequential { get; init; } =
            new Dictionary<int, (IReadOnlyList<(MinuteRollup, MinuteRollup)>, double)>();
    }

    private async Task<FamilyData?> LoadFamilyAsync(string family, CancellationToken cancellationToken)
    {
        if (!_routing.Current.Families.TryGetValue(family, out var route) || await _alerts.RulesAsync(family, cancellationToken) is not { Rules.Count: > 0 } rules
            || await JudgedAsync(route, cancellationToken) is not { } judged)
        {
            return null;
        }

        var (now, to) = Now();
        var ids = judged.Judged.Select(j => j.Bundle.Id).Append(judged.Active.Id).ToList();
        var totals = await TotalsAsync(ids, rules.Rules.Where(r => !r.IsSequential).Select(r => r.WindowMinutes), to, cancellationToken);
        var open = (await _alerts.OpenAlertsAsync(rules.FamilyId, cancellationToken)).ToDictionary(a => (a.Bundle, a.RuleId));
        var baselines = await _alerts.BaselinesAsync(ids, cancellationToken);
        return new FamilyData(rules, route, judged.Active, judged.Judged, totals, open, baselines, now, to)
        {
            Sequential = await SequentialAsync([(rules, judged.Active, judged.Judged)], to, cancellationToken),
        };
    }

    private async Task<IReadOnlyDictionary<string, FamilyData>> LoadAllAsync(CancellationToken cancellationToken)
    {
        var allRules = await _alerts.AllRulesAsync(cancellationToken);
        var families = new List<(FamilyRoute Route, FamilyRules Rules, TelemetryBundle Active, IReadOnlyList<(TelemetryBundle, Stage)> Judged)>();
        foreach (var route in _routing.Current.Families.Values)
        {
            if (allRules.GetValueOrDefault(route.Family) is { Rules.Count: > 0 } rules && await JudgedAsync(route, cancellationToken) is { } judged)
            {
                families.Add((route, rules, judged.Active, judged.Judged));
            }
        }

        if (families.Count == 0)
        {
            return new Dictionary<string, FamilyData>();
        }

        var (now, to) = Now();
        var ids = families.SelectMany(f => f.Judged.Select(j => j.Item1.Id).Append(f.Active.Id)).Distinct().ToList();
        var totals = await TotalsAsync(ids, families.SelectMany(f => f.Rules.Rules.Where(r => !r.IsSequential).Select(r => r.WindowMinutes)), to, cancellationToken);
        var open = (await _alerts.OpenAlertsAsync(null, cancellationToken)).ToDictionary(a => (a.Bundle, a.RuleId));
        var baselines = await _alerts.BaselinesAsync(ids, cancellationToken);
        var sequential = await SequentialAsync(families.Select(f => (f.Rules, f.Active, f.Judged)), to, cancellationToken);
        return families.ToDictionary(f => f.Route.Family, f => new FamilyData(f.Rules, f.Route, f.Active, f.Judged, totals, open, baselines, now, to) { Sequential = sequential },
            StringComparer.Ordinal);
    }

    /// <summary>For families with sequential rules, each judged candidate's ramp steps and N* (<see cref="SequentialSteps"/>).</summary>
    private Task<IReadOnlyDictionary<int, (IReadOnlyList<(MinuteRollup Candidate, MinuteRollup Active)> Steps, double Tuning)>> SequentialAsync(
        IEnumerable<(FamilyRules Rules, TelemetryBundle Active, IReadOnlyList<(TelemetryBundle Bundle, Stage Stage)> Judged)> families, DateTime to, CancellationToken cancellationToken) =>
        _steps.ReadAsync(families.Where(f => f.Rules.Rules.Any(r => r.IsSequential))
            .SelectMany(f => f.Judged.Where(j => j.Stage != Stage.Active).Select(j => (j.Bundle.Id, f.Active.Id, f.Rules.Rules.Max(r => r.MinSamples))))
            .ToList(), to, cancellationToken);

    /// <summary>The bundles to judge: the candidates against the active one; with none, the active one against its baseline.</summary>
    private async Task<(TelemetryBundle Active, IReadOnlyList<(TelemetryBundle Bundle, Stage Stage)> Judged)?> JudgedAsync(FamilyRoute route, CancellationToken cancellationToken)
    {
        if (route.Active is not { } activeName || await _bundles.FindBundleAsync(activeName, cancellationToken) is not { } active)
        {
            return null;
        }

        var judged = new List<(TelemetryBundle, Stage)>();
        foreach (var (name, stage) in new[] { (route.Canary?.Bundle, Stage.Canary), (route.Shadow?.Bundle, Stage.Shadow) })
        {
            if (name is not null && await _bundles.FindBundleAsync(name, cancellationToken) is { } b)
            {
                judged.Add((b, stage));
            }
        }

        if (judged.Count == 0)
        {
            judged.Add((active, Stage.Active));
        }

        return (active, judged);
    }

    /// <summary>Now, and the end of the window: the minute in progress is part of it.</summary>
    private (DateTime Now, DateTime To) Now()
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return (now, MinuteRollup.MinuteOf(now).AddMinutes(1));
    }

    /// <summary>Each bundle's window folded in the database, once per distinct window length (rules usually share one).</summary>
    private async Task<IReadOnlyDictionary<(int Bundle, int Window), MinuteRollup>> TotalsAsync(IReadOnlyCollection<int> ids, IEnumerable<int> windows, DateTime to, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<(int, int), MinuteRollup>();
        foreach (var window in windows.Distinct())
        {
            foreach (var (bundle, total) in await _telemetry.ReadWindowTotalsAsync(ids, to.AddMinutes(-window), to, cancellationToken))
            {
                totals[(bundle, window)] = total;
            }
        }

        return totals;
    }

    private async Task JudgeAsync(string family, FamilyData data, long triggeredAt, CancellationToken cancellationToken)
    {
        await LoadStatesAsync(cancellationToken);
        var verdicts = new List<BundleVerdict>();
        var changed = new List<((int, long) Key, RuleState State)>();
        var judged = new List<(TelemetryBundle Bundle, Stage Stage, Verdict Verdict, RuleState State, bool Act)>();
        var healthyCap = _options.Value.ResolveAfterHealthyEvaluations;
        foreach (var (bundle, stage) in data.Judged)
        {
            var baseline = data.Baselines.GetValueOrDefault(bundle.Id);
            foreach (var rule in data.Rules.Rules)
            {
                MinuteRollup window;
                Verdict verdict;
                if (rule.IsSequential)
                {
                    var sequential = data.Sequential.TryGetValue(bundle.Id, out var s) ? s : default;
                    // New evidence is the newest arrival in any step of either arm: a breach right after a ramp counts.
                    window = new MinuteRollup(bundle.Id, data.To)
                    {
                        NewestReceivedAt = sequential.Steps?.SelectMany(x => new[] { x.Candidate.NewestReceivedAt, x.Active.NewestReceivedAt }).Max(),
                    };
                    verdict = RuleEvaluator.EvaluateSequential(rule, sequential.Tuning, sequential.Steps);
                }
                else
                {
                    window = Total(data, bundle.Id, rule.WindowMinutes);
                    var reference = stage == Stage.Active ? null : Total(data, data.Active.Id, rule.WindowMinutes);
                    verdict = RuleEvaluator.Evaluate(rule, window, reference, baseline);
                }

                verdicts.Add(new BundleVerdict(bundle.Name, stage.ToWire(), verdict));
                ConsoleMetrics.Verdicts.Add(1, new KeyValuePair<string, object?>("outcome", verdict.Kind switch
                {
                    VerdictKind.Pass => "pass",
                    VerdictKind.Breach => "breach",
                    _ => "inconclusive",
                }), new KeyValuePair<string, object?>("action", rule.Action == RuleAction.Rollback ? "rollback" : "alert"));

                var key = (bundle.Id, rule.Id);
                var before = _states.GetValueOrDefault(key, RuleState.Initial);
                // New evidence is read from the window itself (the newest arrival its rollups hold): it survives a restart.
                var (state, act) = before.Next(verdict, window.NewestReceivedAt, healthyCap);
                if (state != before)
                {
                    _states[key] = state;
                    changed.Add((key, state));
                }

                judged.Add((bundle, stage, verdict, state, act));
            }
        }

        // The family's new rule states are kept before anything acts on them: a crash right after neither forgets
        // a counted breach nor counts it again.
        await _alerts.SaveRuleStatesAsync(changed, cancellationToken);
        // One rollback per bundle and pass: when several rollback rules breach together (the window and the sequential
        // rule on a canary that is plainly worse), the first in the rules' order acts and the others do not raise a
        // second alert for the same rollback.
        // A bundle with an open rollback alert (being carried out again below, or done) counts as rolled back already.
        var rolledBack = data.Open.Values.Where(a => a is { Action: "rollback" } && a.State != AlertEntity.Resolved)
            .Select(a => a.Bundle).ToHashSet(StringComparer.Ordinal);
        foreach (var (bundle, stage, verdict, state, act) in judged)
        {
            data.Open.TryGetValue((bundle.Name, verdict.Rule.Id), out var alert);
            var rollback = verdict.Rule.Action == RuleAction.Rollback && stage is Stage.Canary or Stage.Shadow;
            if (act && alert is null && !(rollback && rolledBack.Contains(bundle.Name)))
            {
                await _alerting.RaiseAsync(family, data.Route.RoutingVersion, bundle, verdict, triggeredAt, data.Now, cancellationToken);
                if (rollback)
                {
                    rolledBack.Add(bundle.Name);
                }
            }
            else if (alert is not null && verdict.Kind == VerdictKind.Pass && state.Healthy >= healthyCap)
            {
                await _alerting.ResolveAsync(alert.Id, "healthy", "system", $"{state.Healthy} healthy evaluations in a row", null, cancellationToken);
            }
            else if (alert is { Action: "rollback", State: not AlertEntity.Resolved } && stage is Stage.Canary or Stage.Shadow)
            {
                // A rollback alert whose bundle is still live: its rollback never happened (a crash between the two).
                // The decision stands and is carried out now, idempotently (the rollback names the bundle).
                await _alerting.ActAgainAsync(family, data.Route.RoutingVersion, bundle, alert, cancellationToken);
            }
        }

        var evaluated = new FamilyEvaluatedEvent(family, verdicts, data.Now);
        _latest[family] = evaluated;
        _live.Publish(evaluated);
    }

    private static MinuteRollup Total(FamilyData data, int bundleId, int window) =>
        data.Totals.GetValueOrDefault((bundleId, window)) ?? new MinuteRollup(bundleId, data.To.AddMinutes(-window));

}
