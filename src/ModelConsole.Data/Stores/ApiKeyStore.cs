using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Ledger;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;


/// <summary>Storage of API keys; creation and revocation commit with their ledger record.</summary>
public sealed class ApiKeyStore(IDbContextFactory<ModelConsoleDbContext> factory, TimeProvider clock)
{
    public async Task<IReadOnlyList<ApiKeyEntity>> ListActiveAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().Where(k => k.RevokedAt == null).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var keys = await db.ApiKeys.AsNoTracking().OrderBy(k => k.RevokedAt != null).ThenBy(k => k.Name).ToListAsync(cancellationToken);
        return keys.Select(k => new ApiKeyRecord(k.Id, k.Name, k.Prefix, k.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            k.Unlimited, k.CreatedAt, k.CreatedBy, k.RevokedAt, k.RevokedBy, k.LastUsedAt)).ToList();
    }

    /// <summary>Stores a new key; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(string name, string prefix, string secretHash, IReadOnlyList<string> scopes, bool unlimited, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.ApiKeys.AnyAsync(k => k.Name == name, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        db.ApiKeys.Add(new ApiKeyEntity
        {
            Name = name, Prefix = prefix, SecretHash = secretHash, Scopes = string.Join(' ', scopes), Unlimited = unlimited,
            CreatedAt = now, CreatedBy = actor,
        });
        db.Ledger.Add(new LedgerEntryEntity
        {
            At = now, Actor = actor, Action = LedgerActions.ApiKeyCreated, Reason = $"key '{name}'",
            Evidence = JsonSerializer.Serialize(new { name, scopes, unlimited }),
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // A unique index refused a name taken meanwhile: a conflict, not a failure.
            if (await NameTakenAsync(name, cancellationToken))
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>Revokes a key; false when there is no such active key.</summary>
    /// <summary>Revokes a key still in force; its name, or null when there is none with that id.</summary>
    public async Task<string?> RevokeAsync(int id, string actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.RevokedAt == null, cancellationToken);
        if (key is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        key.RevokedAt = now;
        key.RevokedBy = actor;
        db.Ledger.Add(new LedgerEntryEntity { At = now, Actor = actor, Action = LedgerActions.ApiKeyRevoked, Reason = $"key '{key.Name}'" });
        await db.SaveChangesAsync(cancellationToken);
        return key.Name;
    }

    /// <summary>Writes a batch of last-used times in one transaction.</summary>
    public async Task RecordUsageAsync(IReadOnlyDictionary<int, DateTime> lastUsed, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = lastUsed.Keys.ToList();
        var keys = await db.ApiKeys.Where(k => ids.Contains(k.Id)).ToListAsync(cancellationToken);
        foreach (var key in keys)
        {
            var at = lastUsed[key.Id];
            if (key.LastUsedAt is null || at > key.LastUsedAt)
            {
                key.LastUsedAt = at;
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A key revoked meanwhile: its last use no longer matters.
        }
    }

    private async Task<bool> NameTakenAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AnyAsync(k => k.Name == name, cancellationToken);
    }
}
