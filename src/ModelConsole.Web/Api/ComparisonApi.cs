using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>API.md "Telemetry": a family's candidate against its active bundle.</summary>
public static class ComparisonApi
{
    public static RouteGroupBuilder MapComparisonApi(this RouteGroupBuilder api)
    {
        api.MapGet("/families/{family}/comparison", CompareAsync).RequireAuthorization(Policies.ConsoleRead).ExpensiveRead()
            .WithTags("Telemetry").WithName("FamilyComparison").Problems(404, 409)
            .WithSummary("The candidate (CANARY, else SHADOW, or ?candidate=) against the ACTIVE bundle over a window of minutes ending now.");
        return api;
    }

    private static async Task<Results<Ok<ComparisonAnswer>, ValidationProblem, ProblemHttpResult>> CompareAsync(
        string family, string? candidate, int? windowMinutes, double? confidence, ComparisonService comparisons, CancellationToken cancellationToken) =>
        ApiProblems.Answer(await comparisons.CompareAsync(family, candidate, windowMinutes, confidence, cancellationToken), view => TypedResults.Ok(view.Answer));
}
