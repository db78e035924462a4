using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Families;
using ModelConsole.Core.Ledger;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>Storage of families and bundles: the registry's queries and its writes, each with its ledger record.</summary>
public sealed class RegistryStore(IDbContextFactory<ModelConsoleDbContext> factory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<FamilySummary>> ListFamiliesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var families = await db.Families.AsNoTracking().OrderBy(f => f.Name).ToListAsync(cancellationToken);
        var live = await db.Bundles.AsNoTracking()
            .Where(b => Stages.Live.Contains(b.Stage))
            .Select(b => new LiveBundle(b.FamilyId, b.Name, b.Stage, b.TrafficPercent))
            .ToListAsync(cancellationToken);
        var counts = await db.Bundles.AsNoTracking().GroupBy(b => b.FamilyId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var byFamily = live.ToLookup(b => b.FamilyId);
        var experiments = await RunningExperimentsAsync(db, null, cancellationToken);
        return families.Select(f => Summarize(f, byFamily[f.Id], counts.GetValueOrDefault(f.Id), experiments.GetValueOrDefault(f.Id))).ToList();
    }

    public async Task<FamilySummary?> GetFamilyAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var family = await db.Families.AsNoTracking().SingleOrDefaultAsync(f => f.Name == name, cancellationToken);
        if (family is null)
        {
            return null;
        }

        var live = await db.Bundles.AsNoTracking()
            .Where(b => b.FamilyId == family.Id && Stages.Live.Contains(b.Stage))
            .Select(b => new LiveBundle(b.FamilyId, b.Name, b.Stage, b.TrafficPercent))
            .ToListAsync(cancellationToken);
        var count = await db.Bundles.CountAsync(b => b.FamilyId == family.Id, cancellationToken);
        var experiments = await RunningExperimentsAsync(db, family.Id, cancellationToken);
        return Summarize(family, live, count, experiments.GetValueOrDefault(family.Id));
    }

    public async Task<IReadOnlyList<string>> ListFamilyNamesAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Families.AsNoTracking().OrderBy(f => f.Name).Select(f => f.Name).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListProvidersAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Bundles.AsNoTracking().Select(b => b.Provider).Distinct().OrderBy(p => p).ToListAsync(cancellationToken);
    }

    /// <summary>Creates a family and its ledger record in one transaction; false when the name is taken.</summary>
    public async Task<bool> CreateFamilyAsync(FamilyDraft draft, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Families.AnyAsync(f => f.Name == draft.Name, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var family = new FamilyEntity
        {
            Name = draft.Name!,
            Description = string.IsNullOrWhiteSpace(draft.Description) ? null : draft.Description.Trim(),
            Owner = string.IsNullOrWhiteSpace(draft.Owner) ? null : draft.Owner.Trim(),
            CreatedAt = now,
            CreatedBy = actor,
            RulesVersion = 1,
        };
        db.Families.Add(family);
        db.Ledger.Add(new LedgerEntryEntity { At = now, Actor = actor, Action = LedgerActions.FamilyCreated, Family = draft.Name });
        if (!await SaveUnlessDuplicateAsync(db, () => db.Families.AnyAsync(f => f.Name == draft.Name, cancellationToken), cancellationToken))
        {
            return false;
        }

        // A family starts with API.md's default rules, written with it: no read ever writes them later.
        AlertStore.AddDefaultRules(db, family.Id);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>The stored facts a registration is checked against (Core decides with them).</summary>
    public async Task<RegistrationFacts> GetRegistrationFactsAsync(BundleDraft draft, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var familyExists = draft.Family is not null && await db.Families.AnyAsync(f => f.Name == draft.Family, cancellationToken);
        var nameTaken = draft.Name is not null && await db.Bundles.AnyAsync(b => b.Name == draft.Name, cancellationToken);
        ParentFacts? parent = null;
        if (draft.Parent is not null)
        {
            parent = await db.Bundles.AsNoTracking().Where(b => b.Name == draft.Parent)
                .Select(b => new ParentFacts(b.Name, b.Family.Name, new BundleIdentity(b.Provider, b.ModelId, b.PromptHash, b.ConfigHash), b.BundleHash))
                .SingleOrDefaultAsync(cancellationToken);
        }

        return new RegistrationFacts(familyExists, nameTaken, parent);
    }

    /// <summary>The parts of a bundle, for a new bundle to start from and for the prompt diff.</summary>
    public async Task<BundleParts?> GetPartsAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Bundles.AsNoTracking().Where(b => b.Name == name)
            .Select(b => new BundleParts(b.Name, b.Family.Name, b.Provider, b.ModelId, b.Prompt, b.Config, b.PromptHash, b.ConfigHash))
            .SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Stores an accepted bundle in STAGING with its ledger record, in one transaction; null when the name was taken meanwhile.</summary>
    public async Task<BundleRow?> AddBundleAsync(AcceptedBundle bundle, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var familyId = await db.Families.Where(f => f.Name == bundle.Family).Select(f => f.Id).SingleAsync(cancellationToken);
        int? parentId = bundle.Parent is null
            ? null
            : await db.Bundles.Where(b => b.Name == bundle.Parent).Select(b => b.Id).SingleAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var entity = new BundleEntity
        {
            Name = bundle.Name,
            FamilyId = familyId,
            Provider = bundle.Provider,
            ModelId = bundle.ModelId,
            Prompt = bundle.Prompt,
            PromptHash = bundle.Hashes.PromptHash,
            Config = bundle.CanonicalConfig,
            ConfigHash = bundle.Hashes.ConfigHash,
            BundleHash = bundle.Hashes.BundleHash,
            ParentId = parentId,
            Changed = bundle.Changed,
            MultiVariable = bundle.MultiVariable,
            Justification = bundle.Justification,
            Notes = bundle.Notes,
            PriceInputPerMillion = bundle.Pricing?.InputPerMillion,
            PriceOutputPerMillion = bundle.Pricing?.OutputPerMillion,
            PriceCachedInputPerMillion = bundle.Pricing?.CachedInputPerMillion,
            RegisteredBaseline = Baselines.Write(bundle.Baseline),
            Fallbacks = JsonSerializer.Serialize(bundle.Fallbacks, Json),
            Stage = Stage.Staging,
            StageEnteredAt = now,
            CreatedAt = now,
            CreatedBy = actor,
        };
        db.Bundles.Add(entity);
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = now,
            Actor = actor,
            Action = LedgerActions.BundleRegistered,
            Family = bundle.Family,
            Bundle = bundle.Name,
            To = Stage.Staging.ToWire(),
            Reason = bundle.Justification,
            Evidence = JsonSerializer.Serialize(new
            {
                bundle.Hashes.BundleHash,
                bundle.Parent,
                changed = BundleChanges.ToNames(bundle.Changed),
                bundle.MultiVariable,
            }, Json),
        });
        if (!await SaveUnlessDuplicateAsync(db, () => db.Bundles.AnyAsync(b => b.Name == bundle.Name, cancellationToken), cancellationToken))
        {
            return null;
        }

        return ToRow(entity, bundle.Family, bundle.Parent);
    }

    public async Task<Page<BundleRow>> QueryBundlesAsync(BundleQuery query, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var q = db.Bundles.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLowerInvariant();
            q = q.Where(b => b.Name.Contains(term) || b.ModelId.ToLower().Contains(term) || b.Provider.ToLower().Contains(term));
        }

        if (!string.IsNullOrEmpty(query.Family))
        {
            q = q.Where(b => b.Family.Name == query.Family);
        }

        if (query.Stage is { } stage)
        {
            q = q.Where(b => b.Stage == stage);
        }

        if (!string.IsNullOrEmpty(query.Provider))
        {
            q = q.Where(b => b.Provider == query.Provider);
        }

        var total = await q.CountAsync(cancellationToken);
        q = (query.SortBy, query.Descending) switch
        {
            ("name", false) => q.OrderBy(b => b.Name),
            ("name", true) => q.OrderByDescending(b => b.Name),
            ("family", false) => q.OrderBy(b => b.Family.Name).ThenBy(b => b.Name),
            ("family", true) => q.OrderByDescending(b => b.Family.Name).ThenBy(b => b.Name),
            ("provider", false) => q.OrderBy(b => b.Provider).ThenBy(b => b.ModelId),
            ("provider", true) => q.OrderByDescending(b => b.Provider).ThenByDescending(b => b.ModelId),
            ("stage", false) => q.OrderBy(b => b.Stage).ThenBy(b => b.Name),
            ("stage", true) => q.OrderByDescending(b => b.Stage).ThenBy(b => b.Name),
            (_, false) => q.OrderBy(b => b.CreatedAt).ThenBy(b => b.Id),
            _ => q.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id),
        };
        var take = Math.Clamp(query.Take, 1, BundleQuery.MaxTake);
        var rows = await q.Skip(Math.Max(0, query.Skip)).Take(take)
            .Select(b => new { Bundle = b, Family = b.Family.Name, Parent = b.Parent != null ? b.Parent.Name : null })
            .ToListAsync(cancellationToken);
        return new Page<BundleRow>(rows.Select(r => ToRow(r.Bundle, r.Family, r.Parent)).ToList(), total);
    }

    public async Task<BundleDetail?> GetBundleAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Bundles.AsNoTracking().Where(b => b.Name == name)
            .Select(b => new { Bundle = b, Family = b.Family.Name, Parent = b.Parent != null ? b.Parent.Name : null })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }

        var ledger = await db.Ledger.AsNoTracking().Where(l => l.Bundle == name)
            .OrderBy(l => l.At).ThenBy(l => l.Id).ToListAsync(cancellationToken);
        var b = row.Bundle;
        return new BundleDetail(
            b.Name, row.Family, b.Provider, b.ModelId, b.Prompt, b.PromptHash,
            JsonDocument.Parse(b.Config).RootElement.Clone(), b.ConfigHash, b.BundleHash, row.Parent,
            BundleChanges.ToNames(b.Changed), b.MultiVariable, b.Justification, ToPricing(b), ToBaseline(b),
            JsonSerializer.Deserialize<List<FallbackTarget>>(b.Fallbacks, Json) ?? [], b.Notes,
            b.Stage.ToWire(), b.TrafficPercent, b.RolledBack, b.StageEnteredAt, b.CreatedAt, b.CreatedBy,
            ledger.Select(LedgerStore.ToRecord).ToList());
    }

    /// <summary>A family's bundles with stage, prices and baseline, for the planner (newest first).</summary>
    public async Task<IReadOnlyList<PricedBundle>> ListPricedBundlesAsync(string family, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Bundles.AsNoTracking().Where(b => b.Family.Name == family).OrderByDescending(b => b.CreatedAt).ToListAsync(cancellationToken);
        return rows.Select(b => new PricedBundle(b.Name, b.Stage.ToWire(), b.TrafficPercent, b.PlannedSamples, ToPricing(b), ToBaseline(b))).ToList();
    }

    public async Task<bool> IsDemoDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Meta.AnyAsync(m => m.Key == MetaEntity.DemoKey && m.Value == "true", cancellationToken);
    }

    /// <summary>True when nothing has been registered and nobody set up yet (the demo seed runs only then): a database with a user or a key is someone's.</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return !await db.Families.AnyAsync(cancellationToken) && !await db.Meta.AnyAsync(cancellationToken)
            && !await db.Users.AnyAsync(cancellationToken) && !await db.ApiKeys.AnyAsync(cancellationToken);
    }

    public async Task MarkDemoDatabaseAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        db.Meta.Add(new MetaEntity { Key = MetaEntity.DemoKey, Value = "true" });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task<bool> SaveUnlessDuplicateAsync(ModelConsoleDbContext db, Func<Task<bool>> existsNow, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // A unique index refused a name registered meanwhile: a conflict, not a failure.
            db.ChangeTracker.Clear();
            if (await existsNow())
            {
                return false;
            }

            throw;
        }
    }

    // The running experiment of each family as API.md's routing table names it: { id, armB, splitBPercent }.
    private static async Task<Dictionary<int, ExperimentInfo>> RunningExperimentsAsync(ModelConsoleDbContext db, int? familyId, CancellationToken cancellationToken) =>
        await db.Experiments.AsNoTracking().Where(e => e.State == ExperimentEntity.Running && (familyId == null || e.FamilyId == familyId))
            .Select(e => new { e.FamilyId, Info = new ExperimentInfo(e.Id, e.ArmB, e.SplitBPercent) })
            .ToDictionaryAsync(e => e.FamilyId, e => e.Info, cancellationToken);

    private static FamilySummary Summarize(FamilyEntity f, IEnumerable<LiveBundle> live, int bundleCount, ExperimentInfo? experiment)
    {
        string? active = null;
        CanaryInfo? canary = null;
        ShadowInfo? shadow = null;
        foreach (var b in live)
        {
            switch (b.Stage)
            {
                case Stage.Active: active = b.Name; break;
                case Stage.Canary: canary = new CanaryInfo(b.Name, b.Percent ?? 0); break;
                case Stage.Shadow: shadow = new ShadowInfo(b.Name, b.Percent ?? 0); break;
                default: break;
            }
        }

        return new FamilySummary(f.Name, f.Description, f.Owner, active, canary, shadow, experiment, "unknown", 0, f.RoutingVersion, bundleCount);
    }

    private static BundleRow ToRow(BundleEntity b, string family, string? parent) =>
        new(b.Name, family, b.Provider, b.ModelId, b.Stage.ToWire(), b.TrafficPercent, b.RolledBack, parent,
            BundleChanges.ToNames(b.Changed), b.MultiVariable, b.BundleHash, b.CreatedAt);

    private static Pricing? ToPricing(BundleEntity b) =>
        b is { PriceInputPerMillion: { } input, PriceOutputPerMillion: { } output }
            ? new Pricing(input, output, b.PriceCachedInputPerMillion)
            : null;

    private static Baseline? ToBaseline(BundleEntity b) => Baselines.Read(b.RegisteredBaseline);

    private sealed record LiveBundle(int FamilyId, string Name, Stage Stage, double? Percent);
}
