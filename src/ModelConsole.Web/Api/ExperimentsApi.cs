using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ModelConsole.Core.Experiments;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>A conclusion (API.md: <c>{ decision, reason }</c>).</summary>
public sealed record ConcludeContract(string? Decision, string? Reason);

/// <summary>What was observed per arm: in requests or subjects, the count with the metric and its value, and the progress toward the plan.</summary>
public sealed record ObservedContract(string Unit, long A, long B, long UnitsA, long UnitsB, double? ValueA, double? ValueB, double Progress, long EventsWithoutSubject);

/// <summary>
/// The result of API.md (<c>estimate</c>, <c>ciLow</c>, <c>ciHigh</c>, <c>pValue</c>, <c>srmPValue</c>, <c>decision</c>):
/// <c>decision</c> is what the data supports now (wait, shipB, keepA, inconclusive or untrustworthy), in words in <c>advice</c>;
/// <c>sequential</c> the always-valid analysis beside the fixed one (its interval open, null, on the side a one-sided
/// plan does not test; <c>tuning</c> = N*; <c>srmPValue</c> valid under repeated looks), while the top-level
/// <c>srmPValue</c> keeps its fixed chi-square meaning.
/// </summary>
public sealed record ResultContract(double? Estimate, double? CiLow, double? CiHigh, double? PValue, string Method, double SrmStatistic, double SrmPValue,
    bool SrmFlagged, string Decision, string Advice, SequentialContract Sequential);

/// <summary>API.md's <c>sequential: { ciLow, ciHigh, pValue, tuning, srmPValue }</c>.</summary>
public sealed record SequentialContract(double? CiLow, double? CiHigh, double? PValue, double Tuning, double SrmPValue);

/// <summary>An experiment on the wire: its plan, its state and how it ended, what was observed, and the result.</summary>
public sealed record ExperimentContract(
    string Id, string Family, string ArmA, string ArmB, double SplitBPercent, string Metric, double Mde, string MdeType, double Alpha, double Power, int Sides,
    double Baseline, double? StdDev, long PlannedPerArm, long PlannedPerArmB, double PlannedPerArmExact, string State, DateTime StartedAt, string StartedBy,
    DateTime? EndedAt, string? EndedBy, string? Decision, string? Reason, ObservedContract Observed, ResultContract Result, string? Note,
    string? Name, string? Hypothesis)
{
    public static ExperimentContract From(ExperimentView view)
    {
        var (e, r) = (view.Experiment, view.Result);
        return new ExperimentContract(e.Id, e.Family, e.ArmA, e.ArmB, e.SplitBPercent, e.Metric, e.Mde, e.MdeType, e.Alpha, e.Power, e.Sides, e.Baseline, e.StdDev,
            e.PlannedPerArmA, e.PlannedPerArmB, e.PlannedPerArm, e.State, e.StartedAt, e.StartedBy, e.EndedAt, e.EndedBy, e.Decision, e.Reason,
            new ObservedContract(r.Unit, r.ObservedA, r.ObservedB, r.UnitsA, r.UnitsB, r.ValueA, r.ValueB, r.Progress, view.EventsWithoutSubject),
            new ResultContract(r.Estimate, r.CiLow, r.CiHigh, r.PValue, r.Method, r.SrmStatistic, r.SrmPValue, r.SrmFlagged, ExperimentRules.Of(r.Suggestion), r.Advice,
                r.Sequential is { } q ? new SequentialContract(q.CiLow, q.CiHigh, q.PValue, q.Tuning, q.SrmPValue) : new SequentialContract(null, null, null, 0, 1)),
            view.Note, e.Name, e.Hypothesis);
    }
}

/// <summary>API.md "Experiments and planner": start, list, read and conclude A/B experiments.</summary>
public static class ExperimentsApi
{
    public static RouteGroupBuilder MapExperimentsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/experiments").WithTags("Experiments");
        group.MapPost("", CreateAsync).RequireAuthorization(Policies.PipelineWrite).WithName("StartExperiment").Problems(404, 409)
            .Example("""{ "family": "support-agent", "armB": "support-agent-v13", "splitBPercent": 20, "metric": "errorRate", "mde": 0.2, "mdeType": "relative", "alpha": 0.05, "power": 0.8 }""")
            .WithSummary("Starts an A/B experiment: arm A the ACTIVE bundle, arm B the family's CANARY; its split replaces the canary's while it runs.");
        group.MapGet("", ListAsync).RequireAuthorization(Policies.ConsoleRead).ExpensiveRead().WithName("ListExperiments").WithSummary("Experiments, newest first, with their results.");
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.ConsoleRead).ExpensiveRead().WithName("GetExperiment").Problems(404).WithSummary("An experiment's plan, observed counts and result.");
        group.MapPost("/{id}/conclude", ConcludeAsync).RequireAuthorization(Policies.PipelineWrite).WithName("ConcludeExperiment").Problems(404, 409)
            .WithSummary("Ends a running experiment with a decision and a reason; the canary split applies again.");
        return api;
    }

    private static async Task<Results<Created<ExperimentContract>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        [FromBody] ExperimentDraft? body, ExperimentService experiments, HttpContext http, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return ApiProblems.Invalid("body", "The body is a JSON object: { family, armB, splitBPercent, metric, mde, mdeType, alpha, power, sides?, baseline?, stdDev? }.");
        }

        return ApiProblems.Answer(await experiments.CreateAsync(body, http.Actor(), cancellationToken),
            view => TypedResults.Created($"/api/v1/experiments/{view.Experiment.Id}", ExperimentContract.From(view)));
    }

    private static async Task<Results<Ok<IEnumerable<ExperimentContract>>, ValidationProblem>> ListAsync(
        string? family, string? state, ExperimentService experiments, CancellationToken cancellationToken)
    {
        if (state is not (null or ExperimentEntity.Running or ExperimentEntity.Concluded or ExperimentEntity.Ended))
        {
            return ApiProblems.Invalid("state", "state is running, concluded or ended.");
        }

        return TypedResults.Ok((await experiments.ListAsync(family, state, cancellationToken)).Select(ExperimentContract.From));
    }

    private static async Task<Results<Ok<ExperimentContract>, ProblemHttpResult>> GetAsync(string id, ExperimentService experiments, CancellationToken cancellationToken) =>
        await experiments.GetAsync(id, cancellationToken) is { } view ? TypedResults.Ok(ExperimentContract.From(view)) : ApiProblems.NotFound($"There is no experiment {id}.");

    private static async Task<Results<Ok<ExperimentContract>, ValidationProblem, ProblemHttpResult>> ConcludeAsync(
        string id, [FromBody] ConcludeContract? body, ExperimentService experiments, HttpContext http, CancellationToken cancellationToken)
    {
        return ApiProblems.Answer(await experiments.ConcludeAsync(id, body?.Decision, body?.Reason, http.Actor(), cancellationToken),
            view => TypedResults.Ok(ExperimentContract.From(view)));
    }
}
