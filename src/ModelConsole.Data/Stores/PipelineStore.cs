using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Pipeline;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>
/// The result of applying a pipeline decision: what Core decided, or that someone changed the family meanwhile;
/// <see cref="EndedExperiment"/> names the family's experiment that the change ended (its arm B left CANARY).
/// </summary>
public sealed record AppliedDecision(PipelineResult? Result, string? Conflict, DateTime At, string? EndedExperiment = null);

/// <summary>
/// Stores pipeline decisions: loads a family's state, lets Core decide, and commits the stage changes, their ledger
/// records and the routing version bump in one transaction. The family's Version token makes concurrent decisions
/// conflict instead of both winning.
/// </summary>
public sealed class PipelineStore(IDbContextFactory<ModelConsoleDbContext> factory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The family a bundle belongs to, or null when there is no such bundle.</summary>
    public async Task<string?> FamilyOfAsync(string bundle, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Bundles.Where(b => b.Name == bundle).Select(b => b.Family.Name).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Attaches a planned sample size to a candidate (STAGING, SHADOW or CANARY) with a ledger record; the samples
    /// gate reads it. Null when there is no such bundle; a conflict message when the bundle is not a candidate.
    /// </summary>
    public async Task<(bool Found, string? Conflict)> AttachPlanAsync(string bundle, long perArm, string? note, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Bundles.Include(b => b.Family).SingleOrDefaultAsync(b => b.Name == bundle, cancellationToken);
        if (entity is null)
        {
            return (false, null);
        }

        if (PipelineRules.PlanRefusal(bundle, entity.Stage) is { } refusal)
        {
            return (true, refusal);
        }

        entity.PlannedSamples = perArm;
        db.Ledger.Add(LedgerEntries.From(PipelineRules.PlanAttached(bundle, perArm, note), entity.Family.Name, actor, clock.GetUtcNow().UtcDateTime));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (true, $"{bundle} changed meanwhile; look again and retry.");
        }

        return (true, null);
    }

    public async Task<FamilyState?> LoadStateAsync(string family, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Families.AsNoTracking().Include(f => f.Bundles).SingleOrDefaultAsync(f => f.Name == family, cancellationToken);
        return entity is null ? null : ToState(entity);
    }

    /// <summary>Applies <paramref name="decide"/> to the family's current state and commits what it changes.</summary>
    public async Task<AppliedDecision?> ApplyAsync(string family, string actor, Func<FamilyState, DateTime, PipelineResult> decide, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Families.Include(f => f.Bundles).SingleOrDefaultAsync(f => f.Name == family, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var result = decide(ToState(entity), now);
        if (!result.Succeeded || !result.Changed)
        {
            return new AppliedDecision(result, null, now);
        }

        foreach (var change in result.Changes)
        {
            var bundle = entity.Bundles.Single(b => b.Name == change.Bundle);
            if (bundle.Stage != change.To)
            {
                bundle.StageEnteredAt = now; // ramping a canary keeps its samples counting
            }

            bundle.Stage = change.To;
            bundle.TrafficPercent = change.Percent;
            bundle.RolledBack = change.RolledBack;
        }

        entity.RoutingVersion = result.RoutingVersion;
        if (result.RolledBack is not null)
        {
            entity.LastRollbackVersion = result.RoutingVersion;
        }

        foreach (var record in result.Records)
        {
            db.Ledger.Add(new LedgerEntryEntity
            {
                At = now,
                Actor = actor,
                Action = record.Action,
                Family = family,
                Bundle = record.Bundle,
                From = record.From?.ToWire(),
                To = record.To.ToWire(),
                Percent = record.Percent,
                Reason = record.Reason,
                Automatic = record.Automatic,
                Evidence = JsonSerializer.Serialize(record.Evidence, Json),
            });
        }

        var ended = await ExperimentStore.EndIfArmsMovedAsync(db, entity, actor, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return new AppliedDecision(result, null, now, ended);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new AppliedDecision(null, await ConflictMessageAsync(family, cancellationToken), now);
        }
    }

    /// <summary>Every family's routing, for the in-memory snapshot.</summary>
    public async Task<IReadOnlyList<FamilyRoute>> LoadRoutingAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var families = await db.Families.AsNoTracking().Select(f => new { f.Id, f.Name, f.RoutingVersion }).ToListAsync(cancellationToken);
        var live = await db.Bundles.AsNoTracking().Where(b => Stages.Live.Contains(b.Stage))
            .Select(b => new { b.FamilyId, b.Name, b.Stage, b.TrafficPercent, b.Fallbacks }).ToListAsync(cancellationToken);
        var byFamily = live.ToLookup(b => b.FamilyId);
        var experiments = await db.Experiments.AsNoTracking().Where(e => e.State == ExperimentEntity.Running)
            .Select(e => new { e.FamilyId, e.Id, e.ArmA, e.ArmB, e.SplitBPercent }).ToDictionaryAsync(e => e.FamilyId, cancellationToken);
        return families.Select(f =>
        {
            var bundles = byFamily[f.Id].ToList();
            var active = bundles.FirstOrDefault(b => b.Stage == Stage.Active);
            var canary = bundles.FirstOrDefault(b => b.Stage == Stage.Canary);
            var shadow = bundles.FirstOrDefault(b => b.Stage == Stage.Shadow);
            return new FamilyRoute(
                f.Name, f.RoutingVersion, active?.Name, Fallbacks(active?.Fallbacks),
                canary is null ? null : new CanaryRoute(canary.Name, canary.TrafficPercent ?? 0), Fallbacks(canary?.Fallbacks),
                shadow is null ? null : new ShadowRoute(shadow.Name, shadow.TrafficPercent ?? 0),
                experiments.TryGetValue(f.Id, out var e) ? new ExperimentRoute(e.Id, e.ArmA, e.ArmB, e.SplitBPercent) : null);
        }).ToList();
    }

    private static List<FallbackTarget> Fallbacks(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<FallbackTarget>>(json, Json) ?? [];

    private async Task<string> ConflictMessageAsync(string family, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var last = await db.Ledger.AsNoTracking().Where(l => l.Family == family)
            .OrderByDescending(l => l.Id).Select(l => new { l.Actor, l.Action, l.Bundle }).FirstOrDefaultAsync(cancellationToken);
        return last is null
            ? $"The family '{family}' was changed meanwhile: look again and decide on current facts."
            : $"The family '{family}' was changed meanwhile by {last.Actor} ({last.Action} of {last.Bundle}): look again and decide on current facts.";
    }

    internal static FamilyState ToState(FamilyEntity f) =>
        new(f.Name, f.RoutingVersion,
            f.Bundles.Select(b => new BundleState(b.Name, b.Stage, b.TrafficPercent, b.RolledBack, b.StageEnteredAt, b.PlannedSamples)).ToList(),
            f.LastRollbackVersion);
}
