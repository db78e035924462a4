using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>A manual resolution (API.md: <c>{ reason }</c>).</summary>
public sealed record ResolveContract(string? Reason);

/// <summary>A silence asked for (API.md: <c>{ minutes, reason, ruleId? }</c>).</summary>
public sealed record SilenceRequest(int? Minutes, string? Reason, long? RuleId);

/// <summary>A silence on the wire; <c>active</c> says whether it silences now.</summary>
public sealed record SilenceContract(long Id, string Family, long? RuleId, string Reason, string CreatedBy, DateTime CreatedAt, DateTime EndsAt,
    DateTime? EndedAt, string? EndedBy, bool Active)
{
    public static SilenceContract From(Silence s, DateTime now) =>
        new(s.Id, s.Family, s.RuleId, s.Reason, s.CreatedBy, s.CreatedAt, s.EndsAt, s.EndedAt, s.EndedBy, s.IsActive(now));
}

/// <summary>One rule's readiness on the wire (times in seconds, null for "never" or "cannot tell").</summary>
public sealed record RuleReadinessContract(long Id, string Metric, string Action, double CandidateCallsPerMinute, double? SecondsToMinSamples, double? SecondsToDetect,
    bool DetectedInTime, string Explanation);

/// <summary>A family's rollback readiness at a canary percent.</summary>
public sealed record ReadinessContract(string Family, string? Candidate, double Percent, double RequestsPerMinute, bool Ready, IReadOnlyList<RuleReadinessContract> Rules)
{
    public static ReadinessContract From(FamilyReadiness r) => new(r.Family, r.Candidate, r.Percent, r.RequestsPerMinute, r.Ready,
        r.Rules.Select(x => new RuleReadinessContract(x.Rule.Id, x.Rule.Metric.Name, RuleNames.Of(x.Rule.Action), x.CandidateCallsPerMinute,
            x.SecondsToMinSamples, x.SecondsToDetect, x.DetectedInTime, x.Explanation)).ToList());
}

/// <summary>API.md "Rules and alerts".</summary>
public static class AlertsApi
{
    public static RouteGroupBuilder MapAlertsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/families/{family}/rules", GetRulesAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("GetRules").Problems(404).WithSummary("The family's threshold rules, with their version as the ETag.");
        api.MapPut("/families/{family}/rules", PutRulesAsync).RequireAuthorization(Policies.PipelineWrite)
            .WithTags("Rules and alerts").WithName("PutRules").Problems(404, 412, 413).WithSummary("Replaces the family's rules (If-Match optional; a stale one is 412).");
        api.MapGet("/families/{family}/readiness", ReadinessAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("RollbackReadiness").Problems(404, 409)
            .WithSummary("For a canary at percent (default: the family's canary), how long until each rule has its samples and sees its minimum effect, and whether within 60 s.");
        api.MapPost("/bundles/{bundle}/baseline/capture", CaptureAsync).RequireAuthorization(Policies.PipelineWrite)
            .WithTags("Rules and alerts").WithName("CaptureBaseline").Problems(404, 409).WithSummary("Captures an ACTIVE bundle's baseline from its own calls of the last 24 h; with no candidate its rules judge it by that.");
        api.MapGet("/alerts", ListAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("ListAlerts").WithSummary("Alerts, newest first, optionally by state.");
        api.MapPost("/alerts/{id:long}/acknowledge", AcknowledgeAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("AcknowledgeAlert").Problems(404).WithSummary("Marks a firing alert as seen.");
        api.MapPost("/alerts/{id:long}/resolve", ResolveAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("ResolveAlert").Problems(404, 409).WithSummary("Resolves an alert by hand, with a reason.");
        api.MapPost("/families/{family}/silences", SilenceAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("CreateSilence").Problems(404)
            .WithSummary("Silences the family's alert rules (or one rule) for 1–1440 minutes: alerts are stored but not toasted or sent. Automatic rollback is never silenced.");
        api.MapGet("/families/{family}/silences", SilencesAsync).RequireAuthorization(Policies.ConsoleRead)
            .WithTags("Rules and alerts").WithName("ListSilences").Problems(404).WithSummary("The family's silences, active or ended within the last day, newest first.");
        api.MapDelete("/silences/{id:long}", EndSilenceAsync).RequireAuthorization(Policies.Rollback)
            .WithTags("Rules and alerts").WithName("EndSilence").Problems(404).WithSummary("Ends a silence now.");
        return api;
    }

    private static string ETag(long version) => $"\"rules-{version}\"";

    private static async Task<Results<Ok<IEnumerable<object>>, ProblemHttpResult>> GetRulesAsync(string family, RulesService rules, HttpContext http, CancellationToken cancellationToken)
    {
        if (await rules.GetAsync(family, cancellationToken) is not { } found)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        http.Response.Headers.ETag = ETag(found.Version);
        return TypedResults.Ok(found.Rules.Select(AlertStore.Wire));
    }

    private static async Task<Results<Ok<IEnumerable<object>>, ValidationProblem, ProblemHttpResult>> PutRulesAsync(
        string family, [FromBody] List<RuleDraft?>? body, RulesService rules, HttpContext http, CancellationToken cancellationToken)
    {
        long? expected = null;
        if (http.Request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch && ifMatch != "*")
        {
            if (!ifMatch.StartsWith("\"rules-", StringComparison.Ordinal) || !long.TryParse(ifMatch.AsSpan(7, Math.Max(0, ifMatch.Length - 8)), out var v))
            {
                return ApiProblems.PreconditionFailed("If-Match does not name a version of these rules.");
            }

            expected = v;
        }

        var saved = await rules.ReplaceAsync(family, body, expected, http.Actor(), cancellationToken);
        if (saved.IsOk)
        {
            http.Response.Headers.ETag = ETag(saved.Value!.Version);
        }

        return ApiProblems.Answer(saved, r => TypedResults.Ok(r.Rules.Select(AlertStore.Wire)));
    }

    private static async Task<Results<Ok<IReadOnlyList<AlertRecord>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? state, string? limit, string? before, string? family, AlertsService alerts, CancellationToken cancellationToken)
    {
        // Query values are read as text so a malformed one is a field error, not a bare 400.
        var take = 200;
        if (limit is not null && !int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take))
        {
            return ApiProblems.Invalid("limit", $"limit is a whole number from 1 to {AlertsService.MaxListed}.");
        }

        long? page = null;
        if (before is not null)
        {
            if (!long.TryParse(before, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
            {
                return ApiProblems.Invalid("before", "before is the id of an alert: the page starts after it.");
            }

            page = id;
        }

        return ApiProblems.Answer(await alerts.ListAsync(state, take, cancellationToken, family, page), TypedResults.Ok);
    }

    private static async Task<Results<Ok<AlertRecord>, ValidationProblem, ProblemHttpResult>> AcknowledgeAsync(long id, AlertsService alerts, HttpContext http, CancellationToken cancellationToken) =>
        ApiProblems.Answer(await alerts.AcknowledgeAsync(id, http.Actor(), cancellationToken), TypedResults.Ok);

    private static async Task<Results<Ok<AlertRecord>, ValidationProblem, ProblemHttpResult>> ResolveAsync(
        long id, [FromBody] ResolveContract? body, AlertsService alerts, HttpContext http, CancellationToken cancellationToken) =>
        ApiProblems.Answer(await alerts.ResolveByHandAsync(id, body?.Reason, http.Actor(), cancellationToken), TypedResults.Ok);

    private static async Task<Results<Created<SilenceContract>, ValidationProblem, ProblemHttpResult>> SilenceAsync(
        string family, [FromBody] SilenceRequest? body, AlertsService alerts, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var created = await alerts.SilenceAsync(family, new SilenceDraft(body?.Minutes, body?.Reason, body?.RuleId), http.Actor(), cancellationToken);
        return ApiProblems.Answer(created, s => TypedResults.Created($"/api/v1/families/{family}/silences", SilenceContract.From(s, clock.GetUtcNow().UtcDateTime)));
    }

    private static async Task<Results<Ok<List<SilenceContract>>, ProblemHttpResult>> SilencesAsync(string family, AlertsService alerts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await alerts.SilencesAsync(family, cancellationToken) is not { } silences)
        {
            return ApiProblems.NotFound($"There is no family named '{family}'.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return TypedResults.Ok(silences.Select(s => SilenceContract.From(s, now)).ToList());
    }

    private static async Task<Results<Ok<SilenceContract>, ValidationProblem, ProblemHttpResult>> EndSilenceAsync(
        long id, AlertsService alerts, TimeProvider clock, HttpContext http, CancellationToken cancellationToken) =>
        ApiProblems.Answer(await alerts.EndSilenceAsync(id, http.Actor(), cancellationToken), s => TypedResults.Ok(SilenceContract.From(s, clock.GetUtcNow().UtcDateTime)));

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

    private static async Task<Results<Ok<Baseline>, ValidationProblem, ProblemHttpResult>> CaptureAsync(string bundle, RollbackReadinessService readiness, HttpContext http, CancellationToken cancellationToken) =>
        ApiProblems.Answer(await readiness.CaptureAsync(bundle, http.Actor(), cancellationToken), TypedResults.Ok);
}
