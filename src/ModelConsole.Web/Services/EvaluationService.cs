using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Routing;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>An alert was raised (API.md <c>alertRaised</c>).</summary>
public sealed record AlertRaisedEvent(AlertRecord Alert);

/// <summary>An alert was resolved or acknowledged (API.md <c>alertResolved</c> for the former).</summary>
public sealed record AlertChangedEvent(AlertRecord Alert);

/// <summary>A family was evaluated: the rules editor shows each rule's latest derivation live.</summary>
public sealed record FamilyEvaluatedEvent(string Family, IReadOnlyList<BundleVerdict> Verdicts, DateTime At);

/// <summary>One rule's verdict on one bundle.</summary>
public sealed record BundleVerdict(string Bundle, string Stage, Verdict Verdict);

/// <summary>
/// Judges every family's live bundles by its rules (Core's <see cref="RuleEvaluator"/>): each candidate (CANARY,
/// SHADOW) against the ACTIVE bundle in the same window, or the ACTIVE bundle alone against its baseline. A rule
/// that breaches <c>consecutive</c> times on new data raises an alert (one open per bundle and rule, held by the
/// database); a rollback rule then rolls the family back through the same pipeline code a person uses, as
/// <c>rule:&lt;id&gt;</c>. One evaluation per family runs at a time; triggers arriving meanwhile are coalesced into
/// one rerun right after, never dropped; whole passes (the Quartz job's) run one after another.
/// </summary>
public sealed class EvaluationService(
    AlertStore alerts,
    TelemetryStore telemetry,
    TelemetryService bundles,
    RoutingSnapshot routing,
    PipelineService pipeline,
    LiveEvents live,
    TimeProvider clock,
    IOptions<AlertsOptions> options,
    ILogger<EvaluationService> logger) : IDisposable
{
    /// <summary>Whole passes run one after another: a pass that is slow holds the next one back, never overlaps it.</summary>
    private readonly SemaphoreSlim _pass = new(1, 1);
    private int _passesRunning;
    private int _maxPassesRunning;

    private readonly ConcurrentDictionary<string, FamilyRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Bundle, long Rule), RuleState> _states = new();
    private readonly ConcurrentDictionary<string, DateTime> _newestData = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FamilyEvaluatedEvent> _latest = new(StringComparer.Ordinal);

    /// <summary>Alerts whose rule is rolling their bundle back now: the rule resolves them itself, with the flip's time.</summary>
    private readonly ConcurrentDictionary<long, bool> _rollingBack = new();
    private long _evaluations;

    /// <summary>How many family evaluations have run (tests and the benchmark watch it).</summary>
    public long Evaluations => Interlocked.Read(ref _evaluations);

    /// <summary>The latest verdicts of a family, for the rules editor.</summary>
    public FamilyEvaluatedEvent? Latest(string family) => _latest.GetValueOrDefault(family);

    /// <summary>Ingest folded new data for these bundles: it is new evidence for their rules.</summary>
    public void NoteData(IEnumerable<string> bundleNames, DateTime at)
    {
        foreach (var name in bundleNames)
        {
            _newestData.AddOrUpdate(name, at, (_, old) => at > old ? at : old);
        }
    }

    /// <summary>
    /// Evaluates the family now, or, when an evaluation of it is running, once more right after it (however many
    /// triggers arrive meanwhile). Completes when the evaluation that covers this trigger has finished.
    /// </summary>
    public Task TriggerAsync(string family, CancellationToken cancellationToken) => Trigger(family, null, cancellationToken);

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
        try
        {
            var data = await LoadAllAsync(cancellationToken);
            await Task.WhenAll(data.Select(d => Trigger(d.Key, d.Value, cancellationToken)));
        }
        finally
        {
            Interlocked.Decrement(ref _passesRunning);
            _pass.Release();
        }
    }

    /// <summary>The most whole passes ever seen running at once (tests check it stays 1).</summary>
    public int MaxConcurrentPasses => Volatile.Read(ref _maxPassesRunning);

    public void Dispose() => _pass.Dispose();

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

    private Task Trigger(string family, FamilyData? preloaded, CancellationToken cancellationToken)
    {
        var run = _runs.GetOrAdd(family, _ => new FamilyRun());
        lock (run)
        {
            if (run.Current is not null)
            {
                // Coalesce: one rerun after the current one covers every trigger that arrives during it.
                run.Rerun ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return run.Rerun.Task;
            }

            run.Current = RunAsync(family, run, preloaded, cancellationToken);
            return run.Current;
        }
    }

    private async Task RunAsync(string family, FamilyRun run, FamilyData? preloaded, CancellationToken cancellationToken)
    {
        var triggeredAt = Stopwatch.GetTimestamp();
        // Always leave the caller first: the caller (often ingest's event) goes on at once, and the task is stored as
        // the family's current run (under the lock) before this run can finish and clear it.
        await Task.Yield();

        await EvaluateSafelyAsync(family, preloaded, triggeredAt, cancellationToken);
        while (true)
        {
            TaskCompletionSource? rerun;
            lock (run)
            {
                rerun = run.Rerun;
                run.Rerun = null;
                if (rerun is null)
                {
                    run.Current = null;
                    return;
                }
            }

            // A rerun reads fresh rules and data; its waiters are released when it is done.
            await EvaluateSafelyAsync(family, null, Stopwatch.GetTimestamp(), cancellationToken);
            rerun.TrySetResult();
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
            logger.LogWarning(ex, "Evaluating family {Family} failed; the next trigger tries again", family);
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
        DateTime To);

    private async Task<FamilyData?> LoadFamilyAsync(string family, CancellationToken cancellationToken)
    {
        if (!routing.Current.Families.TryGetValue(family, out var route) || await alerts.RulesAsync(family, cancellationToken) is not { Rules.Count: > 0 } rules
            || await JudgedAsync(route, cancellationToken) is not { } judged)
        {
            return null;
        }

        var (now, to) = Now();
        var ids = judged.Judged.Select(j => j.Bundle.Id).Append(judged.Active.Id).ToList();
        var totals = await TotalsAsync(ids, rules.Rules.Select(r => r.WindowMinutes), to, cancellationToken);
        var open = (await alerts.OpenAlertsAsync(rules.FamilyId, cancellationToken)).ToDictionary(a => (a.Bundle, a.RuleId));
        var baselines = await alerts.BaselinesAsync(ids, cancellationToken);
        return new FamilyData(rules, route, judged.Active, judged.Judged, totals, open, baselines, now, to);
    }

    private async Task<IReadOnlyDictionary<string, FamilyData>> LoadAllAsync(CancellationToken cancellationToken)
    {
        var allRules = await alerts.AllRulesAsync(cancellationToken);
        var families = new List<(FamilyRoute Route, FamilyRules Rules, TelemetryBundle Active, IReadOnlyList<(TelemetryBundle, Stage)> Judged)>();
        foreach (var route in routing.Current.Families.Values)
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
        var totals = await TotalsAsync(ids, families.SelectMany(f => f.Rules.Rules.Select(r => r.WindowMinutes)), to, cancellationToken);
        var open = (await alerts.OpenAlertsAsync(null, cancellationToken)).ToDictionary(a => (a.Bundle, a.RuleId));
        var baselines = await alerts.BaselinesAsync(ids, cancellationToken);
        return families.ToDictionary(f => f.Route.Family, f => new FamilyData(f.Rules, f.Route, f.Active, f.Judged, totals, open, baselines, now, to), StringComparer.Ordinal);
    }

    /// <summary>The bundles to judge: the candidates against the active one; with none, the active one against its baseline.</summary>
    private async Task<(TelemetryBundle Active, IReadOnlyList<(TelemetryBundle Bundle, Stage Stage)> Judged)?> JudgedAsync(FamilyRoute route, CancellationToken cancellationToken)
    {
        if (route.Active is not { } activeName || await bundles.FindBundleAsync(activeName, cancellationToken) is not { } active)
        {
            return null;
        }

        var judged = new List<(TelemetryBundle, Stage)>();
        foreach (var (name, stage) in new[] { (route.Canary?.Bundle, Stage.Canary), (route.Shadow?.Bundle, Stage.Shadow) })
        {
            if (name is not null && await bundles.FindBundleAsync(name, cancellationToken) is { } b)
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
        var now = clock.GetUtcNow().UtcDateTime;
        return (now, MinuteRollup.MinuteOf(now).AddMinutes(1));
    }

    /// <summary>Each bundle's window folded in the database, once per distinct window length (rules usually share one).</summary>
    private async Task<IReadOnlyDictionary<(int Bundle, int Window), MinuteRollup>> TotalsAsync(IReadOnlyCollection<int> ids, IEnumerable<int> windows, DateTime to, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<(int, int), MinuteRollup>();
        foreach (var window in windows.Distinct())
        {
            foreach (var (bundle, total) in await telemetry.ReadWindowTotalsAsync(ids, to.AddMinutes(-window), to, cancellationToken))
            {
                totals[(bundle, window)] = total;
            }
        }

        return totals;
    }

    private async Task JudgeAsync(string family, FamilyData data, long triggeredAt, CancellationToken cancellationToken)
    {
        var verdicts = new List<BundleVerdict>();
        foreach (var (bundle, stage) in data.Judged)
        {
            var baseline = data.Baselines.GetValueOrDefault(bundle.Id);
            foreach (var rule in data.Rules.Rules)
            {
                var window = Total(data, bundle.Id, rule.WindowMinutes);
                var reference = stage == Stage.Active ? null : Total(data, data.Active.Id, rule.WindowMinutes);
                var verdict = RuleEvaluator.Evaluate(rule, window, reference, baseline);
                verdicts.Add(new BundleVerdict(bundle.Name, stage.ToWire(), verdict));

                var key = (bundle.Name, rule.Id);
                var (state, act) = _states.GetValueOrDefault(key, RuleState.Initial).Next(verdict, _newestData.TryGetValue(bundle.Name, out var newest) ? newest : null);
                _states[key] = state;
                data.Open.TryGetValue(key, out var alert);
                if (act && alert is null)
                {
                    await ActAsync(family, data.Route, bundle, rule, verdict, triggeredAt, data.Now, cancellationToken);
                }
                else if (alert is not null && verdict.Kind == VerdictKind.Pass && state.Healthy >= options.Value.ResolveAfterHealthyEvaluations)
                {
                    await ResolveAsync(alert.Id, "healthy", "system", $"{state.Healthy} healthy evaluations in a row", null, cancellationToken);
                }
            }
        }

        var evaluated = new FamilyEvaluatedEvent(family, verdicts, data.Now);
        _latest[family] = evaluated;
        live.Publish(evaluated);
    }

    private async Task ActAsync(string family, FamilyRoute route, TelemetryBundle bundle, Rule rule, Verdict verdict, long triggeredAt, DateTime now, CancellationToken cancellationToken)
    {
        var raised = await alerts.RaiseAsync(new AlertEntity
        {
            FamilyId = bundle.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rule.Id,
            Metric = RuleNames.Of(rule.Metric), Action = RuleNames.Of(rule.Action), Observed = Finite(verdict.Observed), Limit = Finite(verdict.Limit),
            Reference = verdict.Reference, Derivation = Truncate(verdict.Derivation, 2000), State = AlertEntity.Firing, RaisedAt = now,
        }, cancellationToken);
        if (raised is null)
        {
            return; // already open: the database keeps one
        }

        live.Publish(new AlertRaisedEvent(raised));
        if (rule.Action != RuleAction.Rollback)
        {
            return;
        }

        var actor = new PipelineActor(Core.Ledger.Actors.ForRule(rule.Id), MayOverride: false, IsRule: true);
        var reason = Truncate($"rule {rule.Id} ({RuleNames.Of(rule.Metric)}): {verdict.Derivation}", PipelineRules.MaxReasonLength);
        _rollingBack[raised.Id] = true;
        try
        {
            var outcome = await pipeline.RollbackAsync(family, new RollbackRequest(bundle.Name, reason, route.RoutingVersion), actor, cancellationToken);
            var elapsed = (long)Stopwatch.GetElapsedTime(triggeredAt).TotalMilliseconds;
            if (outcome?.Decision.Result is { Succeeded: true } result)
            {
                // The rollback's own event resolves the bundle's other open alerts; this one records how long the flip took.
                await ResolveAsync(raised.Id, "rolledBack", actor.Name, result.Message, elapsed, cancellationToken);
            }
            else
            {
                logger.LogWarning("Rule {Rule} could not roll back {Bundle}: {Why}", rule.Id, bundle.Name, outcome?.Decision.Result?.Message ?? outcome?.Decision.Conflict);
            }
        }
        finally
        {
            _rollingBack.TryRemove(raised.Id, out _);
        }
    }

    /// <summary>Resolves an alert and tells every dashboard; false when it was already resolved.</summary>
    public async Task<bool> ResolveAsync(long id, string resolution, string actor, string? reason, long? rollbackElapsedMs, CancellationToken cancellationToken)
    {
        var (alert, changed) = await alerts.ResolveAsync(id, resolution, actor, reason, rollbackElapsedMs, cancellationToken);
        if (changed && alert is not null)
        {
            live.Publish(new AlertChangedEvent(alert));
        }

        return changed;
    }

    /// <summary>A rolled-back bundle's open alerts are over: resolved as "rolledBack".</summary>
    public async Task BundleRolledBackAsync(string bundle, string actor, CancellationToken cancellationToken)
    {
        foreach (var id in await alerts.OpenAlertIdsAsync(bundle, cancellationToken))
        {
            if (!_rollingBack.ContainsKey(id))
            {
                await ResolveAsync(id, "rolledBack", actor, "the bundle was rolled back", null, cancellationToken);
            }
        }
    }

    private static MinuteRollup Total(FamilyData data, int bundleId, int window) =>
        data.Totals.GetValueOrDefault((bundleId, window)) ?? new MinuteRollup(bundleId, data.To.AddMinutes(-window));

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private sealed class FamilyRun
    {
        public Task? Current { get; set; }

        public TaskCompletionSource? Rerun { get; set; }
    }
}
