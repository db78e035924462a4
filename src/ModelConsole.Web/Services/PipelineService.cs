using System.Diagnostics;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A pipeline request's answer, with the time the routing flip took.</summary>
public sealed record PipelineOutcome(string Family, AppliedDecision Decision, long ElapsedMs);

/// <summary>
/// Promotions and rollbacks: Core decides, the store commits, then the routing snapshot is rebuilt before the caller
/// hears back, so <c>route</c> already reflects the change. The UI, the API and (later) the rules call this.
/// </summary>
public sealed class PipelineService(PipelineStore store, TelemetryQueries telemetry, AlertStore alerts, RoutingSnapshot routing, LiveEvents events, IOptions<PipelineOptions> options, ILogger<PipelineService> logger)
{
    public Task<FamilyState?> StateAsync(string family, CancellationToken cancellationToken) => store.LoadStateAsync(family, cancellationToken);

    public Task<string?> FamilyOfAsync(string bundle, CancellationToken cancellationToken) => store.FamilyOfAsync(bundle, cancellationToken);

    /// <summary>
    /// The evidence gates are judged on: each candidate's requests since it entered its stage, from the minute
    /// rollups (counted from the minute it entered), its open alerts, and the family's planned samples when a
    /// candidate has no plan of its own (the largest <c>minSamples</c> of its rules, DESIGN.md).
    /// </summary>
    public async Task<Evidence> EvidenceAsync(FamilyState family, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(family);
        var bundles = new Dictionary<string, BundleEvidence>(StringComparer.Ordinal);
        var candidates = family.Bundles.Where(b => b.Stage is Stage.Shadow or Stage.Canary).ToList();
        var open = await alerts.OpenCountsAsync(candidates.Select(b => b.Name).ToList(), cancellationToken);
        var rules = (await alerts.RulesAsync(family.Family, cancellationToken))?.Rules ?? [];
        var guardrails = await GuardrailsAsync(family, rules, cancellationToken);
        foreach (var bundle in candidates)
        {
            bundles[bundle.Name] = new BundleEvidence(await telemetry.RequestsSinceAsync(bundle.Name, bundle.StageEnteredAt, cancellationToken), open.GetValueOrDefault(bundle.Name),
                guardrails.GetValueOrDefault(bundle.Name));
        }

        return new Evidence(bundles, DefaultPlannedSamples(rules));
    }

    /// <summary>The canary's sequential rules read as guardrails on everything since its stage began (a guarded promotion's evidence).</summary>
    private async Task<IReadOnlyDictionary<string, IReadOnlyList<Guardrail>>> GuardrailsAsync(FamilyState family, IReadOnlyList<Rule> rules, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<Guardrail>>(StringComparer.Ordinal);
        var sequential = rules.Where(r => r.IsSequential).ToList();
        if (sequential.Count == 0 || family.InStage(Stage.Canary) is not { } canary || family.InStage(Stage.Active) is not { } active
            || await telemetry.BundleIdsAsync([canary.Name, active.Name], cancellationToken) is not { Count: 2 } ids)
        {
            return result;
        }

        var to = MinuteRollup.MinuteOf(DateTime.UtcNow).AddMinutes(1);
        var read = await new SequentialSteps(telemetry).ReadAsync([(ids[canary.Name], ids[active.Name], rules.Max(r => r.MinSamples))], to, cancellationToken);
        if (read.TryGetValue(ids[canary.Name], out var steps))
        {
            result[canary.Name] = sequential.Select(r => RuleEvaluator.Guard(r, steps.Tuning, steps.Steps)).ToList();
        }

        return result;
    }

    /// <summary>The planned samples of a candidate without a plan: the largest minSamples of the family's rules.</summary>
    public async Task<long> DefaultPlannedSamplesAsync(string family, CancellationToken cancellationToken) =>
        DefaultPlannedSamples((await alerts.RulesAsync(family, cancellationToken))?.Rules ?? []);

    private static long DefaultPlannedSamples(IEnumerable<Rule> rules) => PipelineRules.PlannedSamples(null, rules.Select(r => r.MinSamples));

    public async Task<PipelineOutcome?> TransitionAsync(string bundle, TransitionRequest request, PipelineActor actor, CancellationToken cancellationToken)
    {
        if (await store.FamilyOfAsync(bundle, cancellationToken) is not { } family
            || await store.LoadStateAsync(family, cancellationToken) is not { } before)
        {
            return null;
        }

        // Evidence is read before the decision's transaction; if a stage changed in between, it no longer applies.
        var evidence = await EvidenceAsync(before, cancellationToken);
        return await ApplyAsync(family, actor, (state, _) => PipelineRules.Transition(state, request, actor,
            SameStages(state, before) ? evidence : Evidence.None(evidence.DefaultPlannedSamples)), cancellationToken);
    }

    private static bool SameStages(FamilyState now, FamilyState before) =>
        now.Bundles.All(b => before.Find(b.Name) is { } old && old.Stage == b.Stage && old.StageEnteredAt == b.StageEnteredAt);

    public Task<PipelineOutcome?> RollbackAsync(string family, RollbackRequest request, PipelineActor actor, CancellationToken cancellationToken) =>
        ApplyAsync(family, actor, (state, now) => PipelineRules.Rollback(state, request, actor, now, options.Value.AutoRollbackActiveMinutes), cancellationToken);

    private async Task<PipelineOutcome?> ApplyAsync(string family, PipelineActor actor, Func<FamilyState, DateTime, PipelineResult> decide, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var applied = await store.ApplyAsync(family, actor.Name, decide, cancellationToken);
        if (applied is null)
        {
            return null;
        }

        var elapsed = 0L;
        if (applied.Result is { Succeeded: true, Changed: true } result)
        {
            // Committed: a caller that went away must not leave routing stale or the change unannounced.
            await RebuildRoutingAsync();
            elapsed = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            foreach (var change in result.Changes)
            {
                events.Publish(new StageChangedEvent(change.Bundle, family, change.From.ToWire(), change.To.ToWire(), change.Percent, result.RoutingVersion, applied.At, actor.Name));
            }

            if (applied.EndedExperiment is { } ended)
            {
                events.Publish(new ExperimentChangedEvent(ended, family, Data.Entities.ExperimentEntity.Ended));
            }

            if (result.RolledBack is not null)
            {
                var automatic = new KeyValuePair<string, object?>("automatic", actor.Name.StartsWith("rule:", StringComparison.Ordinal));
                ConsoleMetrics.Rollbacks.Add(1, automatic);
                ConsoleMetrics.RollbackFlip.Record(elapsed, automatic);
                events.Publish(new RollbackCompletedEvent(family, result.RolledBack, result.Restored, result.RoutingVersion, applied.At, elapsed, actor.Name));
            }
        }

        return new PipelineOutcome(family, applied, elapsed);
    }

    private async Task RebuildRoutingAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await routing.RoutingVersionChangedAsync(CancellationToken.None);
                return;
            }
            catch (Exception ex) when (attempt < 3)
            {
                logger.LogWarning(ex, "Rebuilding the routing snapshot failed (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
            catch (Exception ex)
            {
                // The change is committed; the next change or restart rebuilds the snapshot.
                logger.LogError(ex, "Rebuilding the routing snapshot failed after a committed change; route may be stale until the next rebuild");
                return;
            }
        }
    }
}
