using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Data.Models;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Api;

public static class LedgerApi
{
    public static RouteGroupBuilder MapLedgerApi(this RouteGroupBuilder api)
    {
        api.MapGet("/ledger", ListAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Ledger").WithName("Ledger").WithSummary("The audit ledger, newest first, filtered.");
        return api;
    }

    /// <summary>API.md: <c>limit</c> (1–1,000, default 200) and <c>before</c> (a record id: the next page); <c>take</c> is the older name of <c>limit</c>.</summary>
    private static async Task<Results<Ok<IReadOnlyList<LedgerRecord>>, ValidationProblem>> ListAsync(
        string? family, string? bundle, string? actor, bool? automatic, DateTime? from, DateTime? to, int? take, int? limit, long? before,
        Services.RegistryService ledger, CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            return ApiProblems.Invalid("to", "'to' must be after 'from'.");
        }

        var count = limit ?? take;
        if (count is < 1 or > LedgerQuery.MaxTake)
        {
            return ApiProblems.Invalid(limit is null ? "take" : "limit", $"limit is 1–{LedgerQuery.MaxTake}.");
        }

        if (before is <= 0)
        {
            return ApiProblems.Invalid("before", "before is the id of a ledger record: the page starts after it.");
        }

        var query = new LedgerQuery(family, bundle, actor, automatic, from?.ToUniversalTime(), to?.ToUniversalTime(), count ?? 200, before);
        return TypedResults.Ok(await ledger.LedgerAsync(query, cancellationToken));
    }
}
