using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Experiments;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>What starting or concluding an experiment came to.</summary>
public enum ExperimentWrite
{
    Done,
    UnknownFamily,
    UnknownExperiment,
    Conflict,
}

/// <summary>
/// Stores experiments. Starting and concluding change the family's routing (the experiment's split replaces the
/// canary's), so each is one transaction that bumps the family's routing version under its concurrency token and
/// writes its ledger record; the database keeps one running experiment per family.
/// </summary>
public sealed class ExperimentStore(IDbContextFactory<ModelConsoleDbContext> factory, TimeProvider clock)
{
    /// <summary>
    /// Starts <paramref name="experiment"/> (its arms' ids and names are filled from the family): arm A is the
    /// family's ACTIVE bundle and arm B must be its CANARY bundle; otherwise a conflict message.
    /// </summary>
    public async Task<(ExperimentWrite Result, string? Message, ExperimentEntity? Experiment)> StartAsync(ExperimentEntity experiment, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var family = await db.Families.Include(f => f.Bundles).SingleOrDefaultAsync(f => f.Name == experiment.Family, cancellationToken);
        if (family is null)
        {
            return (ExperimentWrite.UnknownFamily, $"There is no family named '{experiment.Family}'.", null);
        }

        var running = await db.Experiments.AnyAsync(e => e.FamilyId == family.Id && e.State == ExperimentEntity.Running, cancellationToken);
        if (ExperimentRules.StartRefusal(PipelineStore.ToState(family), experiment.ArmB, running) is { } refusal)
        {
            return (ExperimentWrite.Conflict, refusal, null);
        }

        var active = family.Bundles.Single(b => b.Stage == Stage.Active);
        var canary = family.Bundles.Single(b => b.Stage == Stage.Canary);
        var now = clock.GetUtcNow().UtcDateTime;
        experiment.FamilyId = family.Id;
        experiment.ArmAId = active.Id;
        experiment.ArmA = active.Name;
        experiment.ArmBId = canary.Id;
        experiment.State = ExperimentEntity.Running;
        experiment.StartedAt = now;
        experiment.FirstEventId = await db.TelemetryEvents.MaxAsync(e => (long?)e.Id, cancellationToken) ?? 0;
        db.Experiments.Add(experiment);
        family.RoutingVersion++;
        db.Ledger.Add(LedgerEntries.From(ExperimentRules.Started(experiment.Id, active.Name, canary.Name, experiment.SplitBPercent, experiment.Metric,
            experiment.PlannedPerArmA, experiment.PlannedPerArmB, new Dictionary<string, object?>
            {
                ["splitBPercent"] = experiment.SplitBPercent, ["metric"] = experiment.Metric, ["mde"] = experiment.Mde, ["mdeType"] = experiment.MdeType,
                ["alpha"] = experiment.Alpha, ["power"] = experiment.Power, ["sides"] = experiment.Sides, ["baseline"] = experiment.Baseline,
                ["stdDev"] = experiment.StdDev, ["plannedPerArmA"] = experiment.PlannedPerArmA, ["plannedPerArmB"] = experiment.PlannedPerArmB,
            }), family.Name, experiment.StartedBy, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The family changed meanwhile (its version token), or another start won the unique index.
            return (ExperimentWrite.Conflict, $"The family '{family.Name}' changed meanwhile: look again and retry.", null);
        }

        return (ExperimentWrite.Done, null, experiment);
    }

    /// <summary>Concludes a running experiment with a person's decision and reason, keeping its result as it stands.</summary>
    public async Task<(ExperimentWrite Result, string? Message, ExperimentEntity? Experiment)> ConcludeAsync(
        string id, string decision, string reason, string actor, string result, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var experiment = await db.Experiments.SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (experiment is null)
        {
            return (ExperimentWrite.UnknownExperiment, $"There is no experiment {id}.", null);
        }

        if (experiment.State != ExperimentEntity.Running)
        {
            return (ExperimentWrite.Conflict, $"Experiment {id} has already {(experiment.State == ExperimentEntity.Concluded ? "been concluded" : "ended")}.", experiment);
        }

        var family = await db.Families.SingleAsync(f => f.Id == experiment.FamilyId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        experiment.State = ExperimentEntity.Concluded;
        experiment.EndedAt = now;
        experiment.EndedBy = actor;
        experiment.Decision = decision;
        experiment.Reason = reason;
        experiment.Result = result;
        family.RoutingVersion++;
        var concluded = LedgerEntries.From(ExperimentRules.Concluded(experiment.Id, experiment.ArmB, decision, reason), experiment.Family, actor, now);
        concluded.Evidence = result;
        db.Ledger.Add(concluded);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (ExperimentWrite.Conflict, $"The family '{experiment.Family}' changed meanwhile: look again and retry.", null);
        }

        return (ExperimentWrite.Done, null, experiment);
    }

    /// <summary>Keeps the result of an experiment that ended by itself, computed after the fact (once).</summary>
    public async Task KeepResultAsync(string id, string result, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Experiments.Where(e => e.Id == id && e.State == ExperimentEntity.Ended && e.Result == null)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Result, result), cancellationToken);
    }

    public async Task<ExperimentEntity?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Experiments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
    }

    /// <summary>Experiments newest first, optionally of one family or state.</summary>
    public async Task<IReadOnlyList<ExperimentEntity>> ListAsync(string? family, string? state, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Experiments.AsNoTracking();
        if (family is not null)
        {
            query = query.Where(e => e.Family == family);
        }

        if (state is not null)
        {
            query = query.Where(e => e.State == state);
        }

        return await query.OrderByDescending(e => e.StartedAt).Take(take).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Inside a pipeline transaction: ends the family's running experiment when its arm B has left CANARY or its
    /// arm A ACTIVE, recorded as automatic. Returns the ended experiment's id, or null.
    /// </summary>
    internal static async Task<string?> EndIfArmsMovedAsync(ModelConsoleDbContext db, FamilyEntity family, string actor, DateTime now, CancellationToken cancellationToken)
    {
        var running = await db.Experiments.SingleOrDefaultAsync(e => e.FamilyId == family.Id && e.State == ExperimentEntity.Running, cancellationToken);
        if (running is null)
        {
            return null;
        }

        var state = PipelineStore.ToState(family);
        var armA = state.Find(family.Bundles.Single(b => b.Id == running.ArmAId).Name)!;
        var armB = state.Find(family.Bundles.Single(b => b.Id == running.ArmBId).Name)!;
        if (ExperimentRules.EndReason(armA, armB) is not { } why)
        {
            return null;
        }

        running.State = ExperimentEntity.Ended;
        running.EndedAt = now;
        running.EndedBy = actor;
        running.Reason = why;
        db.Ledger.Add(LedgerEntries.From(ExperimentRules.Ended(running.Id, armB, why), family.Name, actor, now));
        return running.Id;
    }
}
