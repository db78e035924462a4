using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public sealed record TransitionBody(string? To, double? Percent, double? MirrorPercent, string? Reason, bool? Override, long? ExpectedRoutingVersion);

public sealed record RollbackBody(string? Reason, string? Bundle, long? ExpectedRoutingVersion);

public sealed record TransitionAnswer(string Bundle, string Family, string From, string To, double? Percent, long RoutingVersion, DateTime At);

public sealed record RollbackAnswer(string Family, string? RolledBack, string? Restored, long RoutingVersion, DateTime At, long ElapsedMs, bool AlreadyRolledBack);

public static class PipelineApi
{
    public static RouteGroupBuilder MapPipelineApi(this RouteGroupBuilder api)
    {
        api.MapPost("/bundles/{name}/transitions", TransitionAsync).RequireAuthorization(Policies.PipelineWrite)
            .WithTags("Pipeline").WithName("TransitionBundle").Problems(404, 409)
            .Example("""{ "to": "CANARY", "percent": 5, "reason": "Shadow agreed on 2,000 pairs" }""").WithSummary("Moves a bundle to SHADOW, CANARY (or ramps it) or ACTIVE.");
        api.MapPost("/families/{family}/rollback", RollbackAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Pipeline").WithName("RollbackFamily").Problems(404, 409)
            .Example("""{ "reason": "Error rate doubled after the canary ramp", "bundle": "support-agent-v13" }""").WithSummary("Rolls back the newest live candidate, or the ACTIVE bundle to the last known good.");
        return api;
    }

    private static async Task<Results<Ok<TransitionAnswer>, ValidationProblem, ProblemHttpResult, ForbidHttpResult>> TransitionAsync(
        string name, TransitionBody body, PipelineService pipeline, IAuthorizationService authorization, HttpContext context, CancellationToken cancellationToken)
    {
        if (!Stages.TryParse(body.To, out var to))
        {
            return ApiProblems.Invalid("to", "Give to: SHADOW, CANARY or ACTIVE.");
        }

        var mayOverride = (await authorization.AuthorizeAsync(context.User, Policies.PipelineOverride)).Succeeded;
        if (body.Override == true && !mayOverride)
        {
            return TypedResults.Forbid();
        }

        var request = new TransitionRequest(name, to, body.Percent, body.MirrorPercent, body.Reason, body.Override == true, body.ExpectedRoutingVersion);
        var outcome = await pipeline.TransitionAsync(name, request, new PipelineActor(context.Actor(), mayOverride), cancellationToken);
        if (outcome is null)
        {
            return ApiProblems.NotFound($"There is no bundle named '{name}'.");
        }

        if (Invalid(outcome) is { } invalid)
        {
            return invalid;
        }

        if (Refused(outcome) is { } refused)
        {
            return refused;
        }

        var change = outcome.Decision.Result!.Changes.First(c => c.Bundle == name);
        return TypedResults.Ok(new TransitionAnswer(name, outcome.Family, change.From.ToWire(), change.To.ToWire(), change.Percent, outcome.Decision.Result.RoutingVersion, outcome.Decision.At));
    }

    private static async Task<Results<Ok<RollbackAnswer>, ValidationProblem, ProblemHttpResult>> RollbackAsync(
        string family, RollbackBody body, PipelineService pipeline, HttpContext context, CancellationToken cancellationToken)
    {
        var outcome = await pipeline.RollbackAsync(family, new RollbackRequest(body.Bundle, body.Reason, body.ExpectedRoutingVersion),
            new PipelineActor(context.Actor(), MayOverride: false), cancellationToken);
        if (outcome is null)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        if (Invalid(outcome) is { } invalid)
        {
            return invalid;
        }

        if (Refused(outcome) is { } refused)
        {
            return refused;
        }

        var result = outcome.Decision.Result!;
        return TypedResults.Ok(new RollbackAnswer(family, result.RolledBack, result.Restored, result.RoutingVersion, outcome.Decision.At, outcome.ElapsedMs, result.AlreadyRolledBack));
    }

    /// <summary>400: the request itself was malformed.</summary>
    private static ValidationProblem? Invalid(PipelineOutcome outcome) =>
        outcome.Decision.Result is { Failure: PipelineFailure.Invalid } result
            ? result.Errors is { IsEmpty: false } errors ? ApiProblems.Invalid(errors) : ApiProblems.Invalid("bundle", result.Message!)
            : null;

    /// <summary>409: not allowed now (stage, gates listed, stale version, or changed meanwhile).</summary>
    private static ProblemHttpResult? Refused(PipelineOutcome outcome)
    {
        if (outcome.Decision.Conflict is { } conflict)
        {
            return ApiProblems.Conflict(conflict);
        }

        var result = outcome.Decision.Result!;
        return result.Failure is null or PipelineFailure.Invalid
            ? null
            : TypedResults.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict.",
                extensions: result.Gates.Count == 0 ? null : new Dictionary<string, object?> { ["gates"] = result.Gates });
    }
}
