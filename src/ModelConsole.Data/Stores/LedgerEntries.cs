using System.Text.Json;
using ModelConsole.Core.Ledger;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>Turns the ledger records Core decided into rows, with who and when.</summary>
internal static class LedgerEntries
{
    public static LedgerEntryEntity From(LedgerEntry record, string? family, string actor, DateTime at) => new()
    {
        At = at,
        Actor = actor,
        Action = record.Action,
        Family = family,
        Bundle = record.Bundle,
        Percent = record.Percent,
        Reason = record.Reason,
        Automatic = record.Automatic,
        Evidence = JsonSerializer.Serialize(record.Evidence, JsonSerializerOptions.Web),
    };
}
