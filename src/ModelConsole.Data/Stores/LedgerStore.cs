using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>
/// Reads of the append-only ledger. Writes happen inside the transaction of what they record; an action that changes
/// nothing in the database (a demo degradation lives in memory) is recorded on its own with <see cref="AppendAsync"/>.
/// </summary>
public sealed class LedgerStore(IDbContextFactory<ModelConsoleDbContext> factory)
{
    public async Task AppendAsync(DateTime at, string actor, string action, string? family, string? bundle, string? reason, object evidence, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = at, Actor = actor, Action = action, Family = family, Bundle = bundle, Reason = reason,
            Evidence = JsonSerializer.Serialize(evidence, JsonSerializerOptions.Web),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    public Task<IReadOnlyList<LedgerRecord>> ListAsync(string? family, string? bundle, int take, CancellationToken cancellationToken) =>
        ListAsync(new LedgerQuery(family, bundle, Take: take), cancellationToken);

    public async Task<IReadOnlyList<LedgerRecord>> ListAsync(LedgerQuery filter, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Ledger.AsNoTracking();
        if (filter.Family is { } family)
        {
            query = query.Where(l => l.Family == family);
        }

        if (filter.Bundle is { } bundle)
        {
            query = query.Where(l => l.Bundle == bundle);
        }

        if (filter.Actor is { } actor)
        {
            query = query.Where(l => l.Actor == actor);
        }

        if (filter.Automatic is { } automatic)
        {
            query = query.Where(l => l.Automatic == automatic);
        }

        if (filter.From is { } from)
        {
            query = query.Where(l => l.At >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(l => l.At < to);
        }

        if (filter.Before is { } before)
        {
            query = query.Where(l => l.Id < before);
        }

        var take = Math.Clamp(filter.Take, 1, LedgerQuery.MaxTake);

        var rows = await query.OrderByDescending(l => l.Id).Take(take).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToList();
    }

    internal static LedgerRecord ToRecord(LedgerEntryEntity e) =>
        new(e.Id, e.At, e.Actor, e.Action, e.Family, e.Bundle, e.From, e.To, e.Percent, e.Reason, e.Automatic,
            e.Evidence is null ? null : JsonDocument.Parse(e.Evidence).RootElement.Clone());
}
