using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>What a replacement of a family's rules came to.</summary>
public enum RulesWrite
{
    Saved,
    UnknownFamily,
    StaleVersion,
}

/// <summary>
/// Rules and alerts. A family's rules are written with it (API.md's defaults); families older than that get them once
/// at start-up (<see cref="SeedMissingRulesAsync"/>). Reads never write.
/// </summary>
public sealed class AlertStore(IDbContextFactory<ModelConsoleDbContext> factory, TimeProvider clock)
{
    /// <summary>Each family's rules as of its rules version, for evaluation passes.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, (long Version, IReadOnlyList<Rule> Rules)> _rulesCache = new();

    public async Task<FamilyRules?> RulesAsync(string family, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var f = await db.Families.AsNoTracking().Where(x => x.Name == family).Select(x => new { x.Id, x.RulesVersion }).SingleOrDefaultAsync(cancellationToken);
        return f is null ? null : await ReadAsync(db, f.Id, family, cancellationToken);
    }

    /// <summary>
    /// Gives every family that has never had rules API.md's defaults (families made before rules were written with
    /// them); start-up calls it once, before the node is ready, so no read path writes.
    /// </summary>
    public async Task<int> SeedMissingRulesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var unseeded = await db.Families.Where(f => f.RulesVersion == 0).Select(f => f.Id).ToListAsync(cancellationToken);
        foreach (var id in unseeded)
        {
            await SeedDefaultsAsync(db, id, cancellationToken);
        }

        return unseeded.Count;
    }

    /// <summary>Every family's rules in one read, for an evaluation pass.</summary>
    public async Task<IReadOnlyDictionary<string, FamilyRules>> AllRulesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);

        // Rules change only with their family's version: only families whose version moved since the last pass (on
        // any node) are read again.
        var families = await db.Families.AsNoTracking().Select(f => new { f.Id, f.Name, f.RulesVersion }).ToListAsync(cancellationToken);
        var stale = families.Where(f => !_rulesCache.TryGetValue(f.Id, out var cached) || cached.Version != f.RulesVersion).Select(f => f.Id).ToList();
        if (stale.Count > 0)
        {
            var fresh = await db.Rules.AsNoTracking().Where(r => stale.Contains(r.FamilyId))
                .Select(r => new { r.FamilyId, r.Position, Rule = r }).ToListAsync(cancellationToken);
            var byFamily = fresh.ToLookup(r => r.FamilyId);
            var versions = families.ToDictionary(f => f.Id, f => f.RulesVersion);
            foreach (var id in stale)
            {
                _rulesCache[id] = (versions[id], byFamily[id].OrderBy(r => r.Position).Select(r => ToRule(r.Rule)).ToList());
            }
        }

        return families.ToDictionary(f => f.Name, f => new FamilyRules(f.Id, f.Name, f.RulesVersion, _rulesCache[f.Id].Rules), StringComparer.Ordinal);
    }

    /// <summary>
    /// Replaces a family's rules in one transaction with its ledger record. A draft that names the id of one of the
    /// family's rules keeps that id (its open alerts stay its own); the others get new ids; rules left out are gone.
    /// </summary>
    public async Task<(RulesWrite Result, FamilyRules? Rules)> ReplaceRulesAsync(string family, IReadOnlyList<Rule> rules, long? expectedVersion, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var f = await db.Families.AsNoTracking().Where(x => x.Name == family).Select(x => new { x.Id, x.RulesVersion }).SingleOrDefaultAsync(cancellationToken);
        if (f is null)
        {
            return (RulesWrite.UnknownFamily, null);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var current = await db.Families.Where(x => x.Id == f.Id).Select(x => x.RulesVersion).SingleAsync(cancellationToken);
        if (expectedVersion is { } expected && expected != current)
        {
            return (RulesWrite.StaleVersion, null);
        }

        // The version moves only if nobody else moved it since it was read: the loser of a race gets StaleVersion.
        var claimed = await db.Families.Where(x => x.Id == f.Id && x.RulesVersion == current)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RulesVersion, current + 1), cancellationToken);
        if (claimed == 0)
        {
            return (RulesWrite.StaleVersion, null);
        }

        var existing = await db.Rules.Where(r => r.FamilyId == f.Id).ToListAsync(cancellationToken);
        var kept = new HashSet<long>();
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var entity = existing.FirstOrDefault(e => e.Id == rule.Id && !kept.Contains(e.Id));
            if (entity is null)
            {
                entity = new RuleEntity { FamilyId = f.Id, Metric = "", Action = "" };
                db.Rules.Add(entity);
            }
            else
            {
                kept.Add(entity.Id);
            }

            Fill(entity, rule, i);
        }

        db.Rules.RemoveRange(existing.Where(e => !kept.Contains(e.Id)));
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = clock.GetUtcNow().UtcDateTime, Actor = actor, Action = LedgerActions.RulesChanged, Family = family,
            Reason = $"{rules.Count} rules", Evidence = JsonSerializer.Serialize(new { version = current + 1, rules = rules.Select(Wire) }, JsonSerializerOptions.Web),
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (RulesWrite.Saved, await ReadAsync(db, f.Id, family, cancellationToken));
    }

    /// <summary>A bundle's baseline to judge it by: the one captured at its promotion, else the registered one.</summary>
    public async Task<BaselineReference?> BaselineAsync(int bundleId, CancellationToken cancellationToken) =>
        (await BaselinesAsync([bundleId], cancellationToken)).GetValueOrDefault(bundleId);

    /// <summary>Several bundles' baselines in one read (bundles without one are left out).</summary>
    public async Task<IReadOnlyDictionary<int, BaselineReference>> BaselinesAsync(IReadOnlyCollection<int> bundleIds, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = bundleIds.Distinct().ToList();
        var rows = await db.Bundles.AsNoTracking().Where(x => ids.Contains(x.Id) && (x.RegisteredBaseline != null || x.CapturedBaseline != null))
            .Select(b => new { b.Id, b.CapturedBaseline, b.RegisteredBaseline })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(b => b.Id, b => b.CapturedBaseline is { } captured
            ? new BaselineReference(Baselines.Read(captured)!, "captured")
            : new BaselineReference(Baselines.Read(b.RegisteredBaseline)!, "registered"));
    }

    /// <summary>
    /// Stores a baseline captured from a bundle's own traffic (at its promotion, or on demand) with its ledger record,
    /// in one transaction, when Core allows it (<see cref="BaselineCapture.RefusalFor"/>: only from an ACTIVE bundle);
    /// otherwise Core's refusal.
    /// </summary>
    public async Task<string?> CaptureBaselineAsync(int bundleId, Baseline baseline, string actor, string reason, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var bundle = await db.Bundles.Include(b => b.Family).SingleAsync(b => b.Id == bundleId, cancellationToken);
        if (BaselineCapture.RefusalFor(bundle.Name, bundle.Stage) is { } refusal)
        {
            return refusal;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        bundle.CapturedBaseline = Baselines.Write(baseline);
        bundle.CapturedBaselineAt = now;
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = now, Actor = actor, Action = LedgerActions.BaselineCaptured, Family = bundle.Family.Name, Bundle = bundle.Name, Reason = reason,
            Evidence = bundle.CapturedBaseline,
        });
        await db.SaveChangesAsync(cancellationToken);
        return null;
    }

    /// <summary>Open (firing or acknowledged) alerts of a family, or of every family when null.</summary>
    public async Task<IReadOnlyList<AlertRecord>> OpenAlertsAsync(int? familyId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Alerts.AsNoTracking().Where(a => a.State != AlertEntity.Resolved);
        if (familyId is { } id)
        {
            query = query.Where(a => a.FamilyId == id);
        }

        return (await query.ToListAsync(cancellationToken)).Select(ToRecord).ToList();
    }

    /// <summary>
    /// What each family's health is decided from (Core's <see cref="FamilyHealth"/>), by family name: the latest verdicts
    /// of its current rules on its live bundles, its open alerts, and its automatic rollbacks resolved since
    /// <paramref name="rolledBackSince"/> that no one acknowledged. Two indexed reads for any number of families; of one
    /// family, or of every family when <paramref name="family"/> is null.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (IReadOnlyList<RuleVerdictSeen> Verdicts, IReadOnlyList<HealthAlert> Alerts)>> HealthInputsAsync(
        string? family, DateTime rolledBackSince, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var verdicts = await (
                from s in db.RuleStates.AsNoTracking()
                join b in db.Bundles.AsNoTracking() on s.BundleId equals b.Id
                join r in db.Rules.AsNoTracking() on s.RuleId equals r.Id
                join f in db.Families.AsNoTracking() on b.FamilyId equals f.Id
                where r.FamilyId == b.FamilyId && Stages.Live.Contains(b.Stage) && s.Verdict != null && (family == null || f.Name == family)
                select new { Family = f.Name, r.Action, s.Verdict })
            .ToListAsync(cancellationToken);
        var alerts = await db.Alerts.AsNoTracking()
            .Where(a => family == null || a.Family == family)
            .Where(a => a.State != AlertEntity.Resolved
                || (a.Action == "rollback" && a.Resolution == "rolledBack" && a.AcknowledgedAt == null && a.ResolvedAt >= rolledBackSince))
            .Select(a => new { a.Id, a.Family, a.Action, a.State, a.AcknowledgedAt, a.RaisedAt, a.Resolution, a.ResolvedAt })
            .ToListAsync(cancellationToken);

        var verdictsOf = verdicts.ToLookup(v => v.Family, StringComparer.Ordinal);
        var alertsOf = alerts.ToLookup(a => a.Family, StringComparer.Ordinal);
        var result = new Dictionary<string, (IReadOnlyList<RuleVerdictSeen>, IReadOnlyList<HealthAlert>)>(StringComparer.Ordinal);
        foreach (var name in verdictsOf.Select(g => g.Key).Union(alertsOf.Select(g => g.Key), StringComparer.Ordinal))
        {
            var seen = verdictsOf[name]
                .Select(v => new RuleVerdictSeen(ActionOf(v.Action), VerdictOf(v.Verdict) ?? VerdictKind.Inconclusive)).ToList();
            var bearing = alertsOf[name]
                .Select(a => new HealthAlert(a.Id, ActionOf(a.Action), a.State != AlertEntity.Resolved, a.AcknowledgedAt is not null,
                    DateTime.SpecifyKind(a.RaisedAt, DateTimeKind.Utc),
                    a.Resolution == "rolledBack" && a.ResolvedAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null))
                .ToList();
            result[name] = (seen, bearing);
        }

        return result;
    }

    /// <summary>
    /// The incidents someone still has to see, newest first: firing alerts, and automatic rollbacks no one acknowledged
    /// (resolved at the flip, they keep their banner until acknowledged). Of one family, or of every family when null.
    /// </summary>
    public async Task<IReadOnlyList<AlertRecord>> UnseenIncidentsAsync(string? family, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Alerts.AsNoTracking()
            .Where(a => family == null || a.Family == family)
            .Where(a => a.State == AlertEntity.Firing || (a.Action == "rollback" && a.Resolution == "rolledBack" && a.AcknowledgedAt == null))
            .OrderByDescending(a => a.Id).Take(take)
            .ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToList();
    }

    /// <summary>
    /// Stores a silence of a family's alert rules (or of one of them) with its ledger record; the rule, when named, must
    /// be one of the family's. Not found for an unknown family, field errors for a draft Core refuses.
    /// </summary>
    public async Task<Outcome<Silence>> CreateSilenceAsync(string family, SilenceDraft draft, string actor, CancellationToken cancellationToken)
    {
        var errors = draft.Validate();
        if (!errors.IsEmpty)
        {
            return Outcome<Silence>.Invalid(errors);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var familyId = await db.Families.Where(f => f.Name == family).Select(f => (int?)f.Id).SingleOrDefaultAsync(cancellationToken);
        if (familyId is not { } id)
        {
            return Outcome<Silence>.NotFound($"There is no family named '{family}'.");
        }

        if (draft.RuleId is { } ruleId && !await db.Rules.AnyAsync(r => r.Id == ruleId && r.FamilyId == id, cancellationToken))
        {
            return Outcome<Silence>.Invalid("ruleId", $"The family '{family}' has no rule {ruleId}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var entity = new SilenceEntity
        {
            FamilyId = id, Family = family, RuleId = draft.RuleId, Reason = draft.Reason!.Trim(), CreatedBy = actor, CreatedAt = now,
            EndsAt = now.AddMinutes(draft.Minutes!.Value),
        };
        db.Silences.Add(entity);
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = now, Actor = actor, Action = LedgerActions.SilenceCreated, Family = family, Reason = entity.Reason,
            Evidence = JsonSerializer.Serialize(new { minutes = draft.Minutes, ruleId = draft.RuleId, endsAt = entity.EndsAt }, JsonSerializerOptions.Web),
        });
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<Silence>.Ok(ToSilence(entity));
    }

    /// <summary>The family's silences that are active or ended within the last day, newest first; null for an unknown family.</summary>
    public async Task<IReadOnlyList<Silence>?> SilencesAsync(string family, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var familyId = await db.Families.Where(f => f.Name == family).Select(f => (int?)f.Id).SingleOrDefaultAsync(cancellationToken);
        if (familyId is not { } id)
        {
            return null;
        }

        var since = clock.GetUtcNow().UtcDateTime.AddDays(-1);
        var rows = await db.Silences.AsNoTracking().Where(x => x.FamilyId == id && x.EndsAt > since)
            .OrderByDescending(x => x.Id).Take(200).ToListAsync(cancellationToken);
        return rows.Select(ToSilence).ToList();
    }

    /// <summary>Ends a silence now (an ended or expired one is answered as it is), with its ledger record.</summary>
    public async Task<Outcome<Silence>> EndSilenceAsync(long id, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entity = await db.Silences.SingleOrDefaultAsync(x => x.Id == id, cancellationToken);
        if (entity is null)
        {
            return Outcome<Silence>.NotFound($"There is no silence {id}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (ToSilence(entity).IsActive(now))
        {
            entity.EndedAt = now;
            entity.EndedBy = actor;
            db.Ledger.Add(new LedgerEntryEntity
            {
                At = now, Actor = actor, Action = LedgerActions.SilenceEnded, Family = entity.Family, Reason = "ended by hand",
                Evidence = JsonSerializer.Serialize(new { silence = entity.Id, ruleId = entity.RuleId }, JsonSerializerOptions.Web),
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        return Outcome<Silence>.Ok(ToSilence(entity));
    }

    /// <summary>Raises an alert unless one is already open for its bundle and rule (then null: the database keeps one).</summary>
    public async Task<AlertRecord?> RaiseAsync(AlertEntity alert, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Alerts.AnyAsync(a => a.BundleId == alert.BundleId && a.RuleId == alert.RuleId && a.State != AlertEntity.Resolved, cancellationToken))
        {
            return null;
        }

        // A silence of the family (or of this rule) covers an alert rule's alert: it is stored, marked silenced.
        var now = alert.RaisedAt;
        var silences = await db.Silences.AsNoTracking()
            .Where(x => x.FamilyId == alert.FamilyId && x.EndedAt == null && x.EndsAt > now && (x.RuleId == null || x.RuleId == alert.RuleId))
            .OrderBy(x => x.Id).ToListAsync(cancellationToken);
        RuleNames.TryAction(alert.Action, out var action);
        alert.SilenceId = silences.Select(ToSilence).FirstOrDefault(x => x.Covers(alert.RuleId, action, now))?.Id;
        db.Alerts.Add(alert);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another evaluation raised it between the check and the insert: the unique index kept one.
            return null;
        }

        return ToRecord(alert);
    }

    public async Task<AlertRecord?> AcknowledgeAsync(long id, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alert is null)
        {
            return null;
        }

        // A firing alert becomes acknowledged; a resolved one stays resolved but is marked seen (an automatic
        // rollback's alert is resolved at the flip and keeps its banner until a person has seen it).
        if (alert.AcknowledgedAt is null && alert.State != AlertEntity.Acknowledged)
        {
            alert.State = alert.State == AlertEntity.Firing ? AlertEntity.Acknowledged : alert.State;
            alert.AcknowledgedAt = clock.GetUtcNow().UtcDateTime;
            alert.AcknowledgedBy = actor;
            await db.SaveChangesAsync(cancellationToken);
        }

        return ToRecord(alert);
    }

    /// <summary>Resolves an open alert; null when it does not exist, unchanged when it was already resolved.</summary>
    public async Task<(AlertRecord? Alert, bool Changed)> ResolveAsync(long id, string resolution, string actor, string? reason, long? rollbackElapsedMs, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var alert = await db.Alerts.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (alert is { State: AlertEntity.Resolved, Resolution: "rolledBack", RollbackElapsedMs: null } && rollbackElapsedMs is not null)
        {
            // The rollback's own event may resolve the rule's alert first; the rule still says how long the flip took.
            alert.RollbackElapsedMs = rollbackElapsedMs;
            await db.SaveChangesAsync(cancellationToken);
            return (ToRecord(alert), true);
        }

        if (alert is null || alert.State == AlertEntity.Resolved)
        {
            return (alert is null ? null : ToRecord(alert), false);
        }

        alert.State = AlertEntity.Resolved;
        alert.Resolution = resolution;
        alert.ResolvedAt = clock.GetUtcNow().UtcDateTime;
        alert.ResolvedBy = actor;
        alert.ResolveReason = reason;
        alert.RollbackElapsedMs = rollbackElapsedMs ?? alert.RollbackElapsedMs;
        await db.SaveChangesAsync(cancellationToken);
        return (ToRecord(alert), true);
    }

    /// <summary>The open alerts of a bundle (resolved as "rolledBack" when it is rolled back).</summary>
    public async Task<IReadOnlyList<long>> OpenAlertIdsAsync(string bundle, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.Where(a => a.Bundle == bundle && a.State != AlertEntity.Resolved).Select(a => a.Id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Alerts newest first: of one state (or the open ones, firing and acknowledged, for <c>"open"</c>), of one family,
    /// older than the alert <paramref name="before"/> (the next page), at most <paramref name="take"/>.
    /// </summary>
    public async Task<IReadOnlyList<AlertRecord>> ListAsync(string? state, string? family, long? before, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Alerts.AsNoTracking();
        query = state switch
        {
            null => query,
            "open" => query.Where(a => a.State != AlertEntity.Resolved),
            _ => query.Where(a => a.State == state),
        };
        if (family is not null)
        {
            query = query.Where(a => a.Family == family);
        }

        if (before is { } id)
        {
            query = query.Where(a => a.Id < id);
        }

        var rows = await query.OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToList();
    }

    /// <summary>Open (firing or acknowledged) alerts per bundle name, for the pipeline's "no firing alert" gate.</summary>
    public async Task<IReadOnlyDictionary<string, int>> OpenCountsAsync(IReadOnlyCollection<string> bundles, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.Where(a => bundles.Contains(a.Bundle) && a.State != AlertEntity.Resolved)
            .GroupBy(a => a.Bundle).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, StringComparer.Ordinal, cancellationToken);
    }

    public async Task<AlertRecord?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.AsNoTracking().Where(a => a.Id == id).Select(a => ToRecord(a)).SingleOrDefaultAsync(cancellationToken);
    }

    public async Task<int> OpenCountAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.CountAsync(a => a.State == AlertEntity.Firing, cancellationToken);
    }

    /// <summary>Every rule state kept, by bundle and rule (read once at start).</summary>
    public async Task<IReadOnlyDictionary<(int Bundle, long Rule), RuleState>> RuleStatesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.RuleStates.AsNoTracking().ToListAsync(cancellationToken);
        return rows.ToDictionary(r => (r.BundleId, r.RuleId),
            r => new RuleState(r.Breaches, r.Healthy, r.LastCountedDataAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null, VerdictOf(r.Verdict)));
    }

    /// <summary>Keeps the rule states that changed in one evaluation (one upsert each, one transaction).</summary>
    public async Task SaveRuleStatesAsync(IReadOnlyCollection<((int Bundle, long Rule) Key, RuleState State)> changed, CancellationToken cancellationToken)
    {
        if (changed.Count == 0)
        {
            return;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var ((bundle, rule), state) in changed)
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO rule_states ("BundleId", "RuleId", "Breaches", "Healthy", "LastCountedDataAt", "Verdict", "UpdatedAt")
                VALUES ({bundle}, {rule}, {state.Breaches}, {state.Healthy}, {state.LastCountedDataAt}, {NameOf(state.Latest)}, {now})
                ON CONFLICT ("BundleId", "RuleId") DO UPDATE SET "Breaches" = excluded."Breaches", "Healthy" = excluded."Healthy",
                    "LastCountedDataAt" = excluded."LastCountedDataAt", "Verdict" = excluded."Verdict", "UpdatedAt" = excluded."UpdatedAt"
                """, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task SeedDefaultsAsync(ModelConsoleDbContext db, int familyId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var claimed = await db.Families.Where(f => f.Id == familyId && f.RulesVersion == 0)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.RulesVersion, 1L), cancellationToken);
        if (claimed == 0)
        {
            return; // someone else seeded them
        }

        AddDefaultRules(db, familyId);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    /// <summary>Adds API.md's default rules of a new family to the context (saved with the caller's other changes).</summary>
    internal static void AddDefaultRules(ModelConsoleDbContext db, int familyId)
    {
        var errors = new ValidationErrors();
        var position = 0;
        foreach (var draft in RuleDraft.Defaults)
        {
            var entity = new RuleEntity { FamilyId = familyId, Metric = "", Action = "" };
            Fill(entity, draft.ToRule(0, errors)!, position++);
            db.Rules.Add(entity);
        }
    }

    private static async Task<FamilyRules> ReadAsync(ModelConsoleDbContext db, int familyId, string family, CancellationToken cancellationToken)
    {
        var version = await db.Families.Where(f => f.Id == familyId).Select(f => f.RulesVersion).SingleAsync(cancellationToken);
        var rows = await db.Rules.AsNoTracking().Where(r => r.FamilyId == familyId).OrderBy(r => r.Position).ToListAsync(cancellationToken);
        return new FamilyRules(familyId, family, version, rows.Select(ToRule).ToList());
    }

    private static void Fill(RuleEntity e, Rule r, int position)
    {
        e.Position = position;
        e.Metric = r.Metric.Name;
        e.Action = RuleNames.Of(r.Action);
        e.Z = r.Z;
        e.MinEffect = r.MinEffect;
        e.MinAbsoluteEffect = r.MinAbsoluteEffect;
        e.Tolerance = r.Tolerance;
        e.WindowMinutes = r.WindowMinutes;
        e.MinSamples = r.MinSamples;
        e.Consecutive = r.Consecutive;
        e.Test = RuleNames.Of(r.TestKind);
        e.Alpha = r.Alpha;
    }

    private static Rule ToRule(RuleEntity e)
    {
        var metric = MetricCatalog.Get(e.Metric);
        RuleNames.TryAction(e.Action, out var action);
        RuleNames.TryTest(e.Test, out var test);
        return new Rule(e.Id, metric, action, e.Z, e.MinEffect, e.MinAbsoluteEffect, e.Tolerance, e.WindowMinutes, e.MinSamples, e.Consecutive, test, e.Alpha);
    }

    private static RuleAction ActionOf(string action)
    {
        RuleNames.TryAction(action, out var parsed);
        return parsed;
    }

    // A verdict kind as the rule_states table keeps it (lower-case names; null before the first evaluation).
    private static string? NameOf(VerdictKind? kind) => kind?.ToString().ToLowerInvariant();

    private static VerdictKind? VerdictOf(string? name) => name switch
    {
        "pass" => VerdictKind.Pass,
        "breach" => VerdictKind.Breach,
        "inconclusive" => VerdictKind.Inconclusive,
        _ => null,
    };

    /// <summary>A rule as API.md writes it.</summary>
    public static object Wire(Rule r) => new
    {
        id = r.Id, metric = r.Metric.Name, action = RuleNames.Of(r.Action), test = RuleNames.Of(r.TestKind), alpha = r.Alpha, z = r.Z, minEffect = r.MinEffect,
        minAbsoluteEffect = r.MinAbsoluteEffect, tolerance = r.Tolerance, windowMinutes = r.IsSequential ? (int?)null : r.WindowMinutes, minSamples = r.MinSamples,
        consecutive = r.Consecutive,
    };

    private static Silence ToSilence(SilenceEntity x) => new(
        x.Id, x.Family, x.RuleId, x.Reason, x.CreatedBy, DateTime.SpecifyKind(x.CreatedAt, DateTimeKind.Utc), DateTime.SpecifyKind(x.EndsAt, DateTimeKind.Utc),
        x.EndedAt is { } ended ? DateTime.SpecifyKind(ended, DateTimeKind.Utc) : null, x.EndedBy);

    internal static AlertRecord ToRecord(AlertEntity a) => new(
        a.Id, a.Family, a.Bundle, a.RuleId, a.Metric, a.Action, a.Observed, a.Limit, a.Reference, a.Derivation, a.State, a.RaisedAt,
        a.AcknowledgedAt, a.AcknowledgedBy, a.Resolution, a.ResolvedAt, a.ResolvedBy, a.RollbackElapsedMs, a.SilenceId);
}
