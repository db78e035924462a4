using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Data.Entities;

namespace ModelConsole.Data.Stores;

/// <summary>Reads of the append-only ledger. Writes happen inside the transaction of what they record.</summary>
public sealed class LedgerStore(IDbContextFactory<ModelConsoleDbContext> factory)
{
    public async Task<IReadOnlyList<LedgerRecord>> ListAsync(string? family, string? bundle, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Ledger.AsNoTracking();
        if (family is not null)
        {
            query = query.Where(l => l.Family == family);
        }

        if (bundle is not null)
        {
            query = query.Where(l => l.Bundle == bundle);
        }

        var rows = await query.OrderByDescending(l => l.At).ThenByDescending(l => l.Id).Take(take).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).ToList();
    }

    internal static LedgerRecord ToRecord(LedgerEntryEntity e) =>
        new(e.Id, e.At, e.Actor, e.Action, e.Family, e.Bundle, e.From, e.To, e.Percent, e.Reason, e.Automatic,
            e.Evidence is null ? null : JsonDocument.Parse(e.Evidence).RootElement.Clone());
}
