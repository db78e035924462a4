using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Core.Families;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public static class FamiliesApi
{
    public const int RecentTransitions = 20;

    public static RouteGroupBuilder MapFamiliesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/families").WithTags("Families");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.ConsoleRead).WithName("ListFamilies").WithSummary("Every family with its live routing.");
        group.MapPost("/", CreateAsync).RequireAuthorization(Policies.RegistryWrite).WithName("CreateFamily").Problems(409)
            .Example("""{ "name": "support-agent", "description": "Answers support tickets", "owner": "support-platform" }""").WithSummary("Creates a family.");
        group.MapGet("/{family}", GetAsync).RequireAuthorization(Policies.ConsoleRead).WithName("GetFamily").Problems(404).WithSummary("A family with its rules and recent transitions.");
        return group;
    }

    private static async Task<Ok<IReadOnlyList<FamilySummary>>> ListAsync(RegistryService registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListFamiliesAsync(cancellationToken));

    private static async Task<Results<Created<FamilySummary>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateFamilyRequest request, RegistryService registry, HttpContext context, CancellationToken cancellationToken)
    {
        var result = await registry.CreateFamilyAsync(new FamilyDraft(request.Name, request.Description, request.Owner), context.Actor(), cancellationToken);
        if (result.Conflict is not null)
        {
            return ApiProblems.Conflict(result.Conflict);
        }

        return result.Value is { } family
            ? TypedResults.Created($"/api/v1/families/{family.Name}", family)
            : ApiProblems.Invalid(result.Errors);
    }

    private static async Task<Results<Ok<FamilyDetail>, ProblemHttpResult>> GetAsync(string family, RegistryService registry, RulesService rules, CancellationToken cancellationToken)
    {
        var summary = await registry.GetFamilyAsync(family, cancellationToken);
        if (summary is null)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        var transitions = await registry.RecentFamilyLedgerAsync(family, RecentTransitions, cancellationToken);
        var current = await rules.GetAsync(family, cancellationToken);
        return TypedResults.Ok(new FamilyDetail(summary, current?.Rules.Select(AlertStore.Wire).ToList() ?? [], transitions));
    }
}

/// <summary><c>GET /families/{family}</c>: the summary's fields plus rules and recent transitions.</summary>
public sealed record FamilyDetail(
    string Name,
    string? Description,
    string? Owner,
    string? Active,
    CanaryInfo? Canary,
    ShadowInfo? Shadow,
    ExperimentInfo? Experiment,
    string Health,
    int FiringAlerts,
    long RoutingVersion,
    int BundleCount,
    long? HealthAlertId,
    IReadOnlyList<object> Rules,
    IReadOnlyList<LedgerRecord> RecentTransitions)
{
    public FamilyDetail(FamilySummary s, IReadOnlyList<object> rules, IReadOnlyList<LedgerRecord> recent)
        : this(s.Name, s.Description, s.Owner, s.Active, s.Canary, s.Shadow, s.Experiment, s.Health, s.FiringAlerts,
            s.RoutingVersion, s.BundleCount, s.HealthAlertId, rules, recent)
    {
    }
}
