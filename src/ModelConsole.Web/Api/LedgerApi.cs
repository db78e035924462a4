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

    private static async Task<Results<Ok<IReadOnlyList<LedgerRecord>>, ValidationProblem>> ListAsync(
        string? family, string? bundle, string? actor, bool? automatic, DateTime? from, DateTime? to, int? take, Services.RegistryService ledger, CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && t <= f)
        {
            return ApiProblems.Invalid("to", "'to' must be after 'from'.");
        }

        if (take is < 1 or > LedgerQuery.MaxTake)
        {
            return ApiProblems.Invalid("take", $"take is 1–{LedgerQuery.MaxTake}.");
        }

        var query = new LedgerQuery(family, bundle, actor, automatic, from?.ToUniversalTime(), to?.ToUniversalTime(), take ?? 200);
        return TypedResults.Ok(await ledger.LedgerAsync(query, cancellationToken));
    }
}
