using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>Published when an experiment starts, is concluded or ends by itself: open pages refresh.</summary>
public sealed record ExperimentChangedEvent(string Id, string Family, string State);

/// <summary>An experiment with its result as it stands (or as it stood when it ended), and how it was counted.</summary>
public sealed record ExperimentView(ExperimentEntity Experiment, ExperimentResult Result, long EventsWithoutSubject, string? Note);

/// <summary>
/// A/B experiments: the plan from the planner's code with the active bundle's live (else registered) values as
/// defaults, starting and concluding through the store (which changes routing, so the snapshot is rebuilt before the
/// caller hears back), and results from telemetry: per subject when events carry one and are still kept raw, else
/// per request from the durable minute rollups.
/// </summary>
public sealed class ExperimentService(
    ExperimentStore store,
    TelemetryQueries telemetry,
    FamilyReferenceService references,
    ExpensiveReads expensive,
    RoutingSnapshot routing,
    LiveEvents live,
    IOptions<TelemetryOptions> telemetryOptions,
    TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>A running experiment's result is computed at most this often, however many pages and lists ask.</summary>
    public static readonly TimeSpan ResultFreshness = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (DateTime At, ExperimentView View)> _live = new(StringComparer.Ordinal);

    /// <summary>Starts an experiment: its plan from the planner's code, with the family's reference values as defaults.</summary>
    public async Task<Outcome<ExperimentView>> CreateAsync(ExperimentDraft draft, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var metric = draft.Check(errors);
        if (!errors.IsEmpty)
        {
            return Outcome<ExperimentView>.Invalid(errors);
        }

        if (routing.Current.Families.GetValueOrDefault(draft.Family!) is null)
        {
            return Outcome<ExperimentView>.NotFound($"There is no family named '{draft.Family}'.");
        }

        var (defaultBaseline, defaultSd) = await DefaultsAsync(draft.Family!, metric!, cancellationToken);
        var baseline = draft.Baseline ?? defaultBaseline;
        var stdDev = draft.StdDev ?? defaultSd;
        if (baseline is null)
        {
            errors.Add("baseline", $"The active bundle has no live or registered {metric!.Name} yet: give the baseline.");
        }
        else if (metric!.Kind != MetricKind.Rate && stdDev is null)
        {
            errors.Add("stdDev", $"The active bundle has no live or registered spread of {metric.Name} yet: give stdDev.");
        }

        if (!errors.IsEmpty)
        {
            return Outcome<ExperimentView>.Invalid(errors);
        }

        var planned = draft.TryPlan(metric!, baseline!.Value, metric!.Kind == MetricKind.Rate ? null : stdDev);
        if (!planned.IsOk)
        {
            return planned.As<ExperimentView>();
        }

        var plan = planned.Value!;
        var experiment = new ExperimentEntity
        {
            Id = "exp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            Family = draft.Family!, ArmA = "", ArmB = draft.ArmB!, Name = Blank(draft.Name), Hypothesis = Blank(draft.Hypothesis), SplitBPercent = draft.SplitBPercent!.Value, Metric = metric.Name,
            Mde = draft.Mde!.Value, MdeType = draft.MdeType ?? "absolute", Alpha = draft.Alpha!.Value, Power = draft.Power!.Value, Sides = draft.Sides ?? 2,
            Baseline = baseline.Value, StdDev = metric.Kind == MetricKind.Rate ? null : stdDev, PlannedPerArm = plan.PerArm, PlannedPerArmA = plan.PerArmCeiling, PlannedPerArmB = plan.PerArmB,
            State = ExperimentEntity.Running, StartedBy = actor,
        };
        var (status, message, started) = await store.StartAsync(experiment, cancellationToken);
        if (Failed(status, message) is { } failed)
        {
            return failed;
        }

        await routing.RoutingVersionChangedAsync(CancellationToken.None);
        live.Publish(new ExperimentChangedEvent(started!.Id, started.Family, started.State));
        return Outcome<ExperimentView>.Ok(await ComputeAsync(started, cancellationToken));
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Concludes a running experiment with a person's decision and reason, keeping its result as it stands.</summary>
    public async Task<Outcome<ExperimentView>> ConcludeAsync(string id, string? decision, string? reason, string actor, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ExperimentRules.TryDecision(decision, out _))
        {
            errors.Add("decision", "decision is shipB, keepA or inconclusive.");
        }

        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > ExperimentRules.MaxReasonLength)
        {
            errors.Add("reason", $"Say why (up to {ExperimentRules.MaxReasonLength} characters): the decision is recorded in the ledger with it.");
        }

        if (!errors.IsEmpty)
        {
            return Outcome<ExperimentView>.Invalid(errors);
        }

        if (await store.GetAsync(id, cancellationToken) is not { } current)
        {
            return Outcome<ExperimentView>.NotFound($"There is no experiment {id}.");
        }

        var view = current.State == ExperimentEntity.Running ? await ComputeAsync(current, cancellationToken) : await ViewAsync(current, cancellationToken);
        var (status, message, concluded) = await store.ConcludeAsync(id, decision!, reason!, actor, JsonSerializer.Serialize(view.Result, Json), cancellationToken);
        if (Failed(status, message) is { } failed)
        {
            return failed;
        }

        await routing.RoutingVersionChangedAsync(CancellationToken.None);
        live.Publish(new ExperimentChangedEvent(id, concluded!.Family, concluded.State));
        return Outcome<ExperimentView>.Ok(view with { Experiment = concluded });
    }

    private static Outcome<ExperimentView>? Failed(ExperimentWrite status, string? message) => status switch
    {
        ExperimentWrite.Done => null,
        ExperimentWrite.UnknownFamily or ExperimentWrite.UnknownExperiment => Outcome<ExperimentView>.NotFound(message!),
        _ => Outcome<ExperimentView>.Conflict(message!),
    };

    public async Task<ExperimentView?> GetAsync(string id, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } experiment ? await ViewAsync(experiment, cancellationToken) : null;

    /// <summary>Experiments newest first, each with its result (running ones read live).</summary>
    public async Task<IReadOnlyList<ExperimentView>> ListAsync(string? family, string? state, CancellationToken cancellationToken)
    {
        var views = new List<ExperimentView>();
        foreach (var experiment in await store.ListAsync(family, state, 200, cancellationToken))
        {
            views.Add(await ViewAsync(experiment, cancellationToken));
        }

        return views;
    }

    /// <summary>The experiment with its result: kept when it ended (computed and kept once for one that ended by itself), else live.</summary>
    public async Task<ExperimentView> ViewAsync(ExperimentEntity experiment, CancellationToken cancellationToken)
    {
        if (experiment.Result is { } kept)
        {
            return new ExperimentView(experiment, JsonSerializer.Deserialize<ExperimentResult>(kept, Json)!, 0, null);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (experiment.State == ExperimentEntity.Running && _live.TryGetValue(experiment.Id, out var cached) && now - cached.At < ResultFreshness)
        {
            return cached.View with { Experiment = experiment };
        }

        // Per-subject results scan the experiment's raw events: computed once per ResultFreshness for all readers.
        var view = await ComputeAsync(experiment, cancellationToken);
        if (experiment.State == ExperimentEntity.Ended)
        {
            await store.KeepResultAsync(experiment.Id, JsonSerializer.Serialize(view.Result, Json), cancellationToken);
        }

        if (experiment.State == ExperimentEntity.Running)
        {
            _live[experiment.Id] = (now, view);
        }
        else
        {
            _live.TryRemove(experiment.Id, out _);
        }

        return view;
    }

    private async Task<ExperimentView> ComputeAsync(ExperimentEntity e, CancellationToken cancellationToken)
    {
        var metric = MetricCatalog.Get(e.Metric);
        var plan = new ExperimentPlan(metric, e.SplitBPercent, e.Alpha, e.Sides, e.Power, e.Mde, e.PlannedPerArmA, e.PlannedPerArmB);
        var now = clock.GetUtcNow().UtcDateTime;
        var end = e.EndedAt ?? now.AddSeconds(1);
        var ids = new[] { e.ArmAId, e.ArmBId };

        // While every call of the experiment is still kept raw: exact from its start, per subject when most calls name one.
        if (e.StartedAt >= now.AddHours(-telemetryOptions.Value.RawRetentionHours))
        {
            var folds = await expensive.RunAsync(() => telemetry.ReadSubjectFoldsAsync(ids, metric, e.StartedAt, end, e.FirstEventId, cancellationToken), cancellationToken);
            var (a, b) = (folds[e.ArmAId], folds[e.ArmBId]);
            var withSubject = a.SubjectRequests + b.SubjectRequests;
            var without = a.WithoutSubject + b.WithoutSubject;
            if (withSubject > 0 && withSubject >= without)
            {
                return new ExperimentView(e, ExperimentAnalysis.PerSubject(plan, Arm(a), Arm(b)), without,
                    without > 0 ? $"{without:N0} calls named no subject and are left out." : null);
            }

            return new ExperimentView(e, ExperimentAnalysis.PerRequest(plan, new RequestArm(a.Requests, a.Measured, a.Sum, a.SumSquares),
                new RequestArm(b.Requests, b.Measured, b.Sum, b.SumSquares)), without,
                withSubject > 0 ? $"Most calls name no subject, so results count requests ({withSubject:N0} calls with a subject)." : null);
        }

        // Per request from whole minutes inside the experiment (its first and, once ended, last partial minutes are left out).
        var from = MinuteRollup.MinuteOf(e.StartedAt) == e.StartedAt ? e.StartedAt : MinuteRollup.MinuteOf(e.StartedAt).AddMinutes(1);
        var to = e.EndedAt is { } ended ? MinuteRollup.MinuteOf(ended) : MinuteRollup.MinuteOf(now).AddMinutes(1);
        var totals = to > from ? await telemetry.ReadWindowTotalsAsync(ids, from, to, cancellationToken) : new Dictionary<int, MinuteRollup>();
        return new ExperimentView(e, ExperimentAnalysis.PerRequest(plan, Arm(metric, totals.GetValueOrDefault(e.ArmAId)), Arm(metric, totals.GetValueOrDefault(e.ArmBId))), 0,
            $"The experiment started more than {telemetryOptions.Value.RawRetentionHours} h ago, beyond the raw events kept, so results count requests from the minute rollups.");
    }

    private static SubjectArm Arm(SubjectFold f) => new(f.Subjects, f.SubjectRequests, f.SumY, f.SumX, f.SumYY, f.SumXX, f.SumXY);

    private static RequestArm Arm(Metric metric, MinuteRollup? r)
    {
        if (r is null)
        {
            return new RequestArm(0, 0, 0, 0);
        }

        var m = metric.FromRollup!(r);
        return new RequestArm(r.Requests, (long)m.Count, m.Sum, m.SumSquares);
    }

    /// <summary>The defaults a new experiment on <paramref name="family"/> takes for <paramref name="metric"/>: the family's reference (the planner's too).</summary>
    public async Task<(double? Baseline, double? StdDev)> DefaultsAsync(string family, Metric metric, CancellationToken cancellationToken) =>
        await references.ReadAsync(family, FamilyReferenceService.DefaultsWindow, cancellationToken) is { } reference
            ? (reference.Value(metric), reference.StdDev(metric))
            : (null, null);
}
