using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using ModelConsole.Core.Bundles;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public sealed record ExperimentAssignment(string Id, string Arm, string Bundle);

public sealed record RouteAnswer(string Family, string Bundle, string Stage, IReadOnlyList<FallbackTarget> Fallbacks, string? MirrorTo, ExperimentAssignment? Experiment, long RoutingVersion)
{
    /// <summary>The answer for a served decision (the endpoint and the fast path both send this).</summary>
    public static RouteAnswer From(string family, in RouteDecision decision) =>
        new(family, decision.Bundle!, decision.Stage.ToWire(), decision.Fallbacks, decision.MirrorTo,
            decision.ExperimentArm == '\0' ? null : new ExperimentAssignment(decision.Route!.Experiment!.Id, decision.ExperimentArm.ToString(), decision.Bundle!),
            decision.Route!.RoutingVersion);
}

public sealed record RoutingTableFamily(string Name, long RoutingVersion, string? Active, CanaryRoute? Canary, ShadowRoute? Shadow, object? Experiment);

public sealed record RoutingTableAnswer(long Version, IReadOnlyList<RoutingTableFamily> Families);

public static class RoutingApi
{
    public const int MaxSubjectLength = 256;

    public static RouteGroupBuilder MapRoutingApi(this RouteGroupBuilder api)
    {
        api.MapGet("/families/{family}/route", Route).RequireAuthorization(Policies.RoutingRead)
            .WithTags("Routing").WithName("Route").Problems(404, 409).WithSummary("Which bundle serves this subject (from the in-memory snapshot).");
        api.MapGet("/routing-table", Table).RequireAuthorization(Policies.RoutingRead)
            .WithTags("Routing").WithName("RoutingTable").WithSummary("The whole routing table, with an ETag of its version.");
        return api;
    }

    private static Results<Ok<RouteAnswer>, ValidationProblem, ProblemHttpResult> Route(string family, string? subject, RoutingSnapshot routing)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return ApiProblems.Invalid("subject", "Give the subject the gateway routes by (a session or user id).");
        }

        if (subject.Length > MaxSubjectLength)
        {
            return ApiProblems.Invalid("subject", $"The subject is longer than {MaxSubjectLength} characters.");
        }

        var decision = routing.Current.Resolve(family, subject);
        ConsoleMetrics.Route(decision.Outcome);
        return decision.Outcome switch
        {
            RouteOutcome.UnknownFamily => ApiProblems.NotFound($"There is no family named '{family}'."),
            RouteOutcome.NoActiveBundle => ApiProblems.Conflict($"The family '{family}' has no ACTIVE bundle yet."),
            _ => TypedResults.Ok(RouteAnswer.From(family, decision)),
        };
    }

    private static IResult Table(RoutingSnapshot routing, HttpContext context)
    {
        var table = routing.Current;
        if (ETags.SendAndMatch(context, table.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var families = table.Families.Values.OrderBy(f => f.Family, StringComparer.Ordinal)
            .Select(f => new RoutingTableFamily(f.Family, f.RoutingVersion, f.Active, f.Canary, f.Shadow,
                f.Experiment is null ? null : new { id = f.Experiment.Id, armA = f.Experiment.ArmA, armB = f.Experiment.ArmB, splitBPercent = f.Experiment.SplitBPercent }))
            .ToList();
        return TypedResults.Ok(new RoutingTableAnswer(table.Version, families));
    }
}
