using System.Diagnostics;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>An alert was raised (API.md <c>alertRaised</c>).</summary>
public sealed record AlertRaisedEvent(AlertRecord Alert);

/// <summary>What happened to an alert that changed.</summary>
public enum AlertChange
{
    /// <summary>It was resolved (API.md <c>alertResolved</c>).</summary>
    Resolved,

    /// <summary>Someone saw it (firing, or an automatic rollback's resolved alert).</summary>
    Acknowledged,
}

/// <summary>An alert was resolved or acknowledged (API.md <c>alertResolved</c> for the former).</summary>
public sealed record AlertChangedEvent(AlertRecord Alert, AlertChange Change);

/// <summary>
/// Alerts as the API, the Alerts page, the bell and the evaluator use them: listing, acknowledging and resolving
/// (each change announced on the live-event bus), and raising an alert for a rule that breached — rolling the family
/// back through the pipeline, as <c>rule:&lt;id&gt;</c>, when the rule says so.
/// </summary>
public sealed class AlertsService(AlertStore store, PipelineService pipeline, TelemetryService telemetry, LiveEvents live, ILogger<AlertsService> logger)
{
    /// <summary>The longest reason a manual resolution keeps.</summary>
    public const int MaxReasonLength = 2000;

    /// <summary>The states an alert list may be filtered by.</summary>
    public static readonly IReadOnlyList<string> States = [AlertEntity.Firing, AlertEntity.Acknowledged, AlertEntity.Resolved];

    /// <summary>Alerts whose rule is rolling their bundle back now: the rule resolves them itself, with the flip's time.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _rollingBack = new();

    /// <summary>The most alerts one list answers (API.md: <c>limit</c> at most 1,000, default 200).</summary>
    public const int MaxListed = 1000;

    /// <summary>Alerts newest first, optionally by state (or "open" for firing and acknowledged), family and page.</summary>
    public async Task<Outcome<IReadOnlyList<AlertRecord>>> ListAsync(string? state, int take, CancellationToken cancellationToken, string? family = null, long? before = null)
    {
        if (state is not null && state != "open" && !States.Contains(state))
        {
            return Outcome<IReadOnlyList<AlertRecord>>.Invalid("state", "state is firing, acknowledged or resolved (or open for the first two).");
        }

        if (take is < 1 or > MaxListed)
        {
            return Outcome<IReadOnlyList<AlertRecord>>.Invalid("limit", $"limit is from 1 to {MaxListed}.");
        }

        if (before is <= 0)
        {
            return Outcome<IReadOnlyList<AlertRecord>>.Invalid("before", "before is the id of an alert: the page starts after it.");
        }

        return Outcome<IReadOnlyList<AlertRecord>>.Ok(await store.ListAsync(state, family, before, take, cancellationToken));
    }

    /// <summary>One alert, or null.</summary>
    public Task<AlertRecord?> GetAsync(long id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <summary>How many alerts are firing (the bell's badge).</summary>
    public Task<int> FiringCountAsync(CancellationToken cancellationToken) => store.OpenCountAsync(cancellationToken);

    /// <summary>Marks an alert as seen (a resolved one too: an automatic rollback's alert still wants a person's acknowledgement).</summary>
    public async Task<Outcome<AlertRecord>> AcknowledgeAsync(long id, string actor, CancellationToken cancellationToken)
    {
        if (await store.AcknowledgeAsync(id, actor, cancellationToken) is not { } alert)
        {
            return Outcome<AlertRecord>.NotFound($"There is no alert {id}.");
        }

        live.Publish(new AlertChangedEvent(alert, AlertChange.Acknowledged));
        return Outcome<AlertRecord>.Ok(alert);
    }

    /// <summary>Silences a family's alert rules (or one of them) for a while; the ledger records it.</summary>
    public Task<Outcome<Silence>> SilenceAsync(string family, SilenceDraft draft, string actor, CancellationToken cancellationToken) =>
        store.CreateSilenceAsync(family, draft, actor, cancellationToken);

    /// <summary>The family's recent silences, or null for an unknown family.</summary>
    public Task<IReadOnlyList<Silence>?> SilencesAsync(string family, CancellationToken cancellationToken) =>
        store.SilencesAsync(family, cancellationToken);

    /// <summary>Ends a silence now.</summary>
    public Task<Outcome<Silence>> EndSilenceAsync(long id, string actor, CancellationToken cancellationToken) =>
        store.EndSilenceAsync(id, actor, cancellationToken);

    /// <summary>Resolves an alert by hand with a reason; a resolved one is answered as it is.</summary>
    public async Task<Outcome<AlertRecord>> ResolveByHandAsync(long id, string? reason, string actor, CancellationToken cancellationToken)
    {
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
        {
            return Outcome<AlertRecord>.Invalid("reason", $"Say why the alert is resolved (up to {MaxReasonLength} characters).");
        }

        await ResolveAsync(id, "manual", actor, reason, null, cancellationToken);
        return await store.GetAsync(id, cancellationToken) is { } alert ? Outcome<AlertRecord>.Ok(alert) : Outcome<AlertRecord>.NotFound($"There is no alert {id}.");
    }

    /// <summary>Resolves an alert and tells every dashboard; false when it was already resolved.</summary>
    public async Task<bool> ResolveAsync(long id, string resolution, string actor, string? reason, long? rollbackElapsedMs, CancellationToken cancellationToken)
    {
        var (alert, changed) = await store.ResolveAsync(id, resolution, actor, reason, rollbackElapsedMs, cancellationToken);
        if (changed && alert is not null)
        {
            live.Publish(new AlertChangedEvent(alert, AlertChange.Resolved));
        }

        return changed;
    }

    /// <summary>A rolled-back bundle's open alerts are over: resolved as "rolledBack" (the acting rule's own resolves itself, with its time).</summary>
    public async Task BundleRolledBackAsync(string bundle, string actor, CancellationToken cancellationToken)
    {
        foreach (var id in await store.OpenAlertIdsAsync(bundle, cancellationToken))
        {
            if (!_rollingBack.ContainsKey(id))
            {
                await ResolveAsync(id, "rolledBack", actor, "the bundle was rolled back", null, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Raises the alert of a rule that breached <c>consecutive</c> times (the database keeps one open per bundle and
    /// rule), and for a rollback rule rolls the family back on the routing version the verdict was made on.
    /// </summary>
    public async Task RaiseAsync(string family, long routingVersion, TelemetryBundle bundle, Verdict verdict, long triggeredAt, DateTime now, CancellationToken cancellationToken)
    {
        var rule = verdict.Rule;
        var raised = await store.RaiseAsync(new AlertEntity
        {
            FamilyId = bundle.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rule.Id,
            Metric = rule.Metric.Name, Action = RuleNames.Of(rule.Action), Observed = Finite(verdict.Observed), Limit = Finite(verdict.Limit),
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
        var reason = Truncate($"rule {rule.Id} ({rule.Metric.Name}): {verdict.Derivation}", PipelineRules.MaxReasonLength);
        _rollingBack[raised.Id] = true;
        try
        {
            var outcome = await pipeline.RollbackAsync(family, new RollbackRequest(bundle.Name, reason, routingVersion), actor, cancellationToken);
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

    /// <summary>
    /// Carries out a rollback alert's rollback that did not happen (a crash between raising it and rolling back): the
    /// bundle is named, so if it was rolled back meanwhile nothing changes; the alert is then resolved as rolled back.
    /// </summary>
    public async Task ActAgainAsync(string family, long routingVersion, TelemetryBundle bundle, AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!_rollingBack.TryAdd(alert.Id, true))
        {
            return; // its own rule is rolling it back right now
        }

        try
        {
            var actor = new PipelineActor(Core.Ledger.Actors.ForRule(alert.RuleId), MayOverride: false, IsRule: true);
            var reason = Truncate($"rule {alert.RuleId} ({alert.Metric}), alert {alert.Id} raised at {alert.RaisedAt:u}: {alert.Derivation}", PipelineRules.MaxReasonLength);
            var outcome = await pipeline.RollbackAsync(family, new RollbackRequest(bundle.Name, reason, routingVersion), actor, cancellationToken);
            if (outcome?.Decision.Result is { Succeeded: true } result)
            {
                logger.LogWarning("Alert {Alert}'s rollback of {Bundle} had not happened; carried out now", alert.Id, bundle.Name);
                await ResolveAsync(alert.Id, "rolledBack", actor.Name, result.Message ?? "rolled back after a restart", null, cancellationToken);
            }
        }
        finally
        {
            _rollingBack.TryRemove(alert.Id, out _);
        }
    }

    /// <summary>
    /// At start-up, before the node is ready: open alerts whose bundle was rolled back (a crash after the flip, before
    /// the alert was resolved) are resolved as such, so none blocks a gate; open rollback alerts whose bundle is still a
    /// live candidate are acted on now. Returns how many alerts it touched.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var touched = 0;
        foreach (var alert in await store.OpenAlertsAsync(null, cancellationToken))
        {
            if (await pipeline.StateAsync(alert.Family, cancellationToken) is not { } family || family.Find(alert.Bundle) is not { } bundle)
            {
                continue;
            }

            if (!bundle.Stage.IsLive())
            {
                if (bundle.RolledBack)
                {
                    await ResolveAsync(alert.Id, "rolledBack", Core.Ledger.Actors.System, "the bundle had been rolled back (found at start-up)", null, cancellationToken);
                    touched++;
                }
            }
            else if (alert.Action == "rollback" && bundle.Stage is Stage.Shadow or Stage.Canary
                     && await telemetry.FindBundleAsync(alert.Bundle, cancellationToken) is { } known)
            {
                await ActAgainAsync(alert.Family, family.RoutingVersion, known, alert, cancellationToken);
                touched++;
            }
        }

        return touched;
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
