using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Routing;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>A manual resolution (API.md: <c>{ reason }</c>).</summary>
public sealed record ResolveContract(string? Reason);

/// <summary>One rule's readiness on the wire (times in seconds, null for "never" or "cannot tell").</summary>
public sealed record RuleReadinessContract(long Id, string Metric, string Action, double CandidateCallsPerMinute, double? SecondsToMinSamples, double? SecondsToDetect,
    bool DetectedInTime, string Explanation);

/// <summary>A family's rollback readiness at a canary percent.</summary>
public sealed record ReadinessContract(string Family, string? Candidate, double Percent, double RequestsPerMinute, bool Ready, IReadOnlyList<RuleReadinessContract> Rules)
{
    public static ReadinessContract From(FamilyReadiness r) => new(r.Family, r.Candidate, r.Percent, r.RequestsPerMinute, r.Ready,
        r.Rules.Select(x => new RuleReadinessContract(x.Rule.Id, RuleNames.Of(x.Rule.Metric), RuleNames.Of(x.Rule.Action), x.CandidateCallsPerMinute,
            x.SecondsToMinSamples, x.SecondsToDetect, x.DetectedInTime, x.Explanation)).ToList());
}

/// <summary>API.md "Rules and alerts".</summary>
public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/families/{family}/rules", GetRulesAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("GetRules").WithSummary("The family's threshold rules, with their version as the ETag.");
        api.MapPut("/families/{family}/rules", PutRulesAsync).RequireAuthorization(Policies.PipelineWrite)
            .WithTags("Rules and alerts").WithName("PutRules").WithSummary("Replaces the family's rules (If-Match optional; a stale one is 412).");
        api.MapGet("/families/{family}/readiness", ReadinessAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("RollbackReadiness")
            .WithSummary("For a canary at percent (default: the family's canary), how long until each rule has its samples and sees its minimum effect, and whether within 60 s.");
        api.MapPost("/bundles/{bundle}/baseline/capture", CaptureAsync).RequireAuthorization(Policies.PipelineWrite)
            .WithTags("Rules and alerts").WithName("CaptureBaseline").WithSummary("Captures an ACTIVE bundle's baseline from its own calls of the last 24 h; with no candidate its rules judge it by that.");
        api.MapGet("/alerts", ListAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("ListAlerts").WithSummary("Alerts, newest first, optionally by state.");
        api.MapPost("/alerts/{id:long}/acknowledge", AcknowledgeAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("AcknowledgeAlert").WithSummary("Marks a firing alert as seen.");
        api.MapPost("/alerts/{id:long}/resolve", ResolveAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("ResolveAlert").WithSummary("Resolves an alert by hand, with a reason.");
        return api;
    }

    private static string ETag(long version) => $"\"rules-{version}\"";

    private static async Task<Results<Ok<IEnumerable<object>>, ProblemHttpResult>> GetRulesAsync(string family, AlertStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (await store.RulesAsync(family, cancellationToken) is not { } rules)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        http.Response.Headers.ETag = ETag(rules.Version);
        return TypedResults.Ok(rules.Rules.Select(AlertStore.Wire));
    }

    private static async Task<Results<Ok<IEnumerable<object>>, ValidationProblem, ProblemHttpResult>> PutRulesAsync(
        string family, [FromBody] List<RuleDraft?>? body, AlertStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var rules = new List<Rule>();
        if (body is null)
        {
            errors.Add("rules", "The body is a JSON array of rules.");
        }
        else if (body.Count > RuleDraft.MaxRules)
        {
            errors.Add("rules", $"At most {RuleDraft.MaxRules} rules per family.");
        }
        else
        {
            for (var i = 0; i < body.Count; i++)
            {
                if (body[i] is not { } draft)
                {
                    errors.Add($"[{i}]", "A rule is a JSON object.");
                }
                else if (draft.ToRule(draft.Id ?? 0, errors, $"[{i}].") is { } rule)
                {
                    rules.Add(rule);
                }
            }
        }

        long? expected = null;
        if (http.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch != "*")
        {
            if (!ifMatch.StartsWith("\"rules-", StringComparison.Ordinal) || !long.TryParse(ifMatch.AsSpan(7, Math.Max(0, ifMatch.Length - 8)), out var v))
            {
                return TypedResults.Problem("If-Match does not name a version of these rules.", statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed.");
            }

            expected = v;
        }

        if (!errors.IsEmpty)
        {
            return ApiProblems.Invalid(errors);
        }

        var (result, saved) = await store.ReplaceRulesAsync(family, rules, expected, http.Actor(), cancellationToken);
        switch (result)
        {
            case RulesWrite.UnknownFamily:
                return ApiProblems.NotFound($"There is no family named '{family}'.");
            case RulesWrite.StaleVersion:
                return TypedResults.Problem("The rules changed since that version was read: read them again.", statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed.");
        }

        http.Response.Headers.ETag = ETag(saved!.Version);
        return TypedResults.Ok(saved.Rules.Select(AlertStore.Wire));
    }

    private static async Task<Results<Ok<IReadOnlyList<AlertRecord>>, ValidationProblem>> ListAsync(string? state, AlertStore store, CancellationToken cancellationToken)
    {
        if (state is not (null or AlertEntity.Firing or AlertEntity.Acknowledged or AlertEntity.Resolved))
        {
            return ApiProblems.Invalid("state", "state is firing, acknowledged or resolved.");
        }

        return TypedResults.Ok(await store.ListAsync(state, 500, cancellationToken));
    }

    private static async Task<Results<Ok<AlertRecord>, ProblemHttpResult>> AcknowledgeAsync(long id, AlertStore store, LiveEvents live, HttpContext http, CancellationToken cancellationToken)
    {
        if (await store.AcknowledgeAsync(id, http.Actor(), cancellationToken) is not { } alert)
        {
            return ApiProblems.NotFound($"There is no alert {id}.");
        }

        live.Publish(new AlertChangedEvent(alert));
        return TypedResults.Ok(alert);
    }

    private static async Task<Results<Ok<AlertRecord>, ValidationProblem, ProblemHttpResult>> ResolveAsync(
        long id, [FromBody] ResolveContract? body, AlertStore store, EvaluationService evaluation, HttpContext http, CancellationToken cancellationToken)
    {
        var reason = body?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 2000)
        {
            return ApiProblems.Invalid("reason", "Say why the alert is resolved (up to 2000 characters).");
        }

        // Resolving a resolved alert changes nothing and answers it as it is.
        await evaluation.ResolveAsync(id, "manual", http.Actor(), reason, null, cancellationToken);
        return await store.GetAsync(id, cancellationToken) is { } alert ? TypedResults.Ok(alert) : ApiProblems.NotFound($"There is no alert {id}.");
    }

    private static async Task<Results<Ok<ReadinessContract>, ValidationProblem, ProblemHttpResult>> ReadinessAsync(
        string family, double? percent, RollbackReadinessService readiness, CancellationToken cancellationToken)
    {
        if (percent is { } p && !(p >= PipelineRules.MinCanaryPercent && p <= ExperimentRules.MaxSplitBPercent && Bucketing.HasBucketResolution(p)))
        {
            return ApiProblems.Invalid("percent", $"percent is from {PipelineRules.MinCanaryPercent:0} to {ExperimentRules.MaxSplitBPercent:0}, with at most two decimals.");
        }

        if (await readiness.InputsAsync(family, cancellationToken) is not { } inputs)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        if ((percent ?? inputs.CanaryPercent) is not { } at)
        {
            return ApiProblems.Invalid("percent", $"The family '{family}' has no canary: give the percent to plan one at.");
        }

        return TypedResults.Ok(ReadinessContract.From(inputs.At(at)));
    }

    private static async Task<Results<Ok<Baseline>, ProblemHttpResult>> CaptureAsync(string bundle, RollbackReadinessService readiness, HttpContext http, CancellationToken cancellationToken)
    {
        var (outcome, baseline) = await readiness.CaptureAsync(bundle, http.Actor(), cancellationToken);
        return outcome switch
        {
            CaptureOutcome.UnknownBundle => ApiProblems.NotFound($"There is no bundle named '{bundle}'."),
            CaptureOutcome.NotActive => ApiProblems.Conflict($"{bundle} is not ACTIVE: baselines are captured from the active bundle (a candidate is judged against the active one, and its own calls must not become its yardstick)."),
            CaptureOutcome.NoTraffic => ApiProblems.Conflict($"{bundle} has served no calls in the last {RollbackReadinessService.CaptureWindow.TotalHours:0} h: there is nothing to capture a baseline from."),
            _ => TypedResults.Ok(baseline!),
        };
    }
}
