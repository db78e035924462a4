using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Validation;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public sealed record SampleSizeBody(
    string? Metric, double? Baseline, double? Mde, string? MdeType, double? Alpha, double? Power, int? Sides, double? StdDev, double? Inflation, double? Ratio);

public sealed record ShadowCostBody(
    double? RequestsPerDay, double? MirrorPercent, double? Days, double? CostPerCallUsd, double? InputTokens, double? OutputTokens,
    double? InputPerMillion, double? OutputPerMillion, double? ActiveCostPerCallUsd);

public sealed record DurationBody(double? PerArm, double? PerArmB, double? RequestsPerDay, double? MirrorPercent, double? SharePercent);

public sealed record DurationAnswer(double Days);

public sealed record PlanBody(long? PerArm, string? Note);

public sealed record PlanAnswer(string Bundle, long PerArm, string? Note);

/// <summary>
/// The planner endpoints of API.md: they check that the body is complete and well-formed, then Core computes; a value
/// Core refuses (out of its domain) comes back as a 400 on the field Core names.
/// </summary>
public static class PlannerApi
{
    public const int MaxNoteLength = 2000;

    public static RouteGroupBuilder MapPlannerApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/planner").WithTags("Planner").RequireAuthorization(Policies.ConsoleRead);
        group.MapPost("/sample-size", SampleSize).WithName("PlanSampleSize")
            .WithSummary("Sample size per arm for two proportions (R's power.prop.test) or two means (R's power.t.test).");
        group.MapPost("/shadow-cost", ShadowCostOf).WithName("PlanShadowCost").WithSummary("What shadowing costs per day and in total.");
        group.MapPost("/duration", Duration).WithName("PlanDuration").WithSummary("Days of traffic a sample size takes.");
        api.MapPut("/bundles/{name}/plan", AttachAsync).RequireAuthorization(Policies.PipelineWrite).WithTags("Planner")
            .WithName("AttachPlan").Problems(404, 409).WithSummary("Attaches a planned sample size to a candidate; the pipeline's samples gate uses it.");
        return api;
    }

    private static Results<Ok<SampleSizeResult>, ValidationProblem> SampleSize(SampleSizeBody body)
    {
        var errors = new ValidationErrors();
        var metric = Parse(body.Metric, "metric", errors, ("proportion", PlannedMetric.Proportion), ("mean", PlannedMetric.Mean));
        var mdeType = Parse(body.MdeType ?? "absolute", "mdeType", errors, ("absolute", MdeType.Absolute), ("relative", MdeType.Relative));
        Required(body.Baseline, "baseline", errors);
        Required(body.Alpha, "alpha", errors);
        Required(body.Power, "power", errors);
        if (Required(body.Mde, "mde", errors) && body.Mde <= 0)
        {
            errors.Add("mde", "The minimum detectable effect must be above 0.");
        }

        if (body.Sides is not (null or 1 or 2))
        {
            errors.Add("sides", "sides is 1 (one-sided) or 2 (two-sided).");
        }

        if (metric == PlannedMetric.Mean && body.StdDev is null)
        {
            errors.Add("stdDev", "A mean needs its standard deviation.");
        }

        // Bounds first: past them a number is a mistake, and no square of them may overflow.
        Limits.Within(body.Baseline, "baseline", -Limits.MaxValue, Limits.MaxValue, errors);
        Limits.Within(body.Mde, "mde", 0, Limits.MaxValue, errors);
        Limits.Within(body.StdDev, "stdDev", 0, Limits.MaxValue, errors);
        Limits.Within(body.Inflation, "inflation", 1, Limits.MaxFactor, errors);
        Limits.Within(body.Ratio, "ratio", 0, Limits.MaxFactor, errors);
        if (!errors.IsEmpty)
        {
            return ApiProblems.Invalid(errors);
        }

        return Compute(() => SampleSizePlanner.Plan(new SampleSizeRequest(metric!.Value, body.Baseline!.Value, body.Mde!.Value, mdeType!.Value,
            body.Alpha!.Value, body.Power!.Value, body.Sides == 1 ? Sides.One : Sides.Two, body.StdDev, body.Inflation ?? 1, body.Ratio ?? 1)));
    }

    private static Results<Ok<ShadowCostResult>, ValidationProblem> ShadowCostOf(ShadowCostBody body)
    {
        var errors = new ValidationErrors();
        Required(body.RequestsPerDay, "requestsPerDay", errors);
        Required(body.MirrorPercent, "mirrorPercent", errors);
        Required(body.Days, "days", errors);
        var tokens = body.InputTokens is not null || body.OutputTokens is not null || body.InputPerMillion is not null || body.OutputPerMillion is not null;
        if (body.CostPerCallUsd is null && !tokens)
        {
            errors.Add("costPerCallUsd", "Give costPerCallUsd, or inputTokens, outputTokens, inputPerMillion and outputPerMillion.");
        }
        else if (body.CostPerCallUsd is not null && tokens)
        {
            errors.Add("costPerCallUsd", "Give either costPerCallUsd or the tokens and prices, not both.");
        }
        else if (tokens)
        {
            Required(body.InputTokens, "inputTokens", errors);
            Required(body.OutputTokens, "outputTokens", errors);
            Required(body.InputPerMillion, "inputPerMillion", errors);
            Required(body.OutputPerMillion, "outputPerMillion", errors);
        }

        Limits.Within(body.RequestsPerDay, "requestsPerDay", 0, Limits.MaxRequestsPerDay, errors);
        Limits.Within(body.MirrorPercent, "mirrorPercent", 0, 100, errors);
        Limits.Within(body.Days, "days", 0, Limits.MaxDays, errors);
        Limits.Within(body.CostPerCallUsd, "costPerCallUsd", 0, Limits.MaxCostPerCallUsd, errors);
        Limits.Within(body.ActiveCostPerCallUsd, "activeCostPerCallUsd", 0, Limits.MaxCostPerCallUsd, errors);
        Limits.Within(body.InputTokens, "inputTokens", 0, Core.Telemetry.TelemetryValidation.MaxTokens, errors);
        Limits.Within(body.OutputTokens, "outputTokens", 0, Core.Telemetry.TelemetryValidation.MaxTokens, errors);
        Limits.Within(body.InputPerMillion, "inputPerMillion", 0, Limits.MaxPricePerMillionUsd, errors);
        Limits.Within(body.OutputPerMillion, "outputPerMillion", 0, Limits.MaxPricePerMillionUsd, errors);
        if (!errors.IsEmpty)
        {
            return ApiProblems.Invalid(errors);
        }

        return Compute(() =>
        {
            var perCall = body.CostPerCallUsd
                ?? CallCost.PerCall(new Pricing(body.InputPerMillion!.Value, body.OutputPerMillion!.Value), body.InputTokens!.Value, body.OutputTokens!.Value);
            return ShadowCost.Estimate(new ShadowCostRequest(body.RequestsPerDay!.Value, body.MirrorPercent!.Value, body.Days!.Value, perCall, body.ActiveCostPerCallUsd));
        });
    }

    private static Results<Ok<DurationAnswer>, ValidationProblem> Duration(DurationBody body)
    {
        var errors = new ValidationErrors();
        Required(body.PerArm, "perArm", errors);
        Required(body.RequestsPerDay, "requestsPerDay", errors);
        if ((body.MirrorPercent is null) == (body.SharePercent is null))
        {
            errors.Add("mirrorPercent", "Give exactly one of mirrorPercent (a shadow) or sharePercent (a canary or experiment arm B).");
        }

        Limits.Within(body.PerArm, "perArm", 0, Limits.MaxSamples, errors);
        Limits.Within(body.PerArmB, "perArmB", 0, Limits.MaxSamples, errors);
        Limits.Within(body.RequestsPerDay, "requestsPerDay", 0, Limits.MaxRequestsPerDay, errors);
        Limits.Within(body.MirrorPercent, "mirrorPercent", 0, 100, errors);
        Limits.Within(body.SharePercent, "sharePercent", 0, 100, errors);
        if (!errors.IsEmpty)
        {
            return ApiProblems.Invalid(errors);
        }

        return Compute(() => new DurationAnswer(StudyDuration.Days(new DurationRequest(body.PerArm!.Value, body.RequestsPerDay!.Value, body.MirrorPercent, body.SharePercent, body.PerArmB))));
    }

    private static async Task<Results<Ok<PlanAnswer>, ValidationProblem, ProblemHttpResult>> AttachAsync(
        string name, PlanBody body, PlannerService planner, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (body.PerArm is not { } perArm)
        {
            errors.Add("perArm", "Give the planned sample size per arm.");
        }
        else if (perArm is < 1 or > PlannerService.MaxPlannedSamples)
        {
            errors.Add("perArm", $"The planned sample size per arm is a whole number from 1 to {PlannerService.MaxPlannedSamples:N0}.");
        }

        if (body.Note?.Length > MaxNoteLength)
        {
            errors.Add("note", $"The note is longer than {MaxNoteLength} characters.");
        }

        if (!errors.IsEmpty)
        {
            return ApiProblems.Invalid(errors);
        }

        return ApiProblems.Answer(await planner.AttachAsync(name, body.PerArm!.Value, string.IsNullOrWhiteSpace(body.Note) ? null : body.Note.Trim(), context.Actor(), cancellationToken),
            plan => TypedResults.Ok(new PlanAnswer(name, plan.PerArm, body.Note)));
    }

    // Core refuses inputs named after the API field: that is a 400 on the field (a few of Core's names differ).
    private static Results<Ok<T>, ValidationProblem> Compute<T>(Func<T> compute)
    {
        var outcome = Inputs.Check(compute, field => field switch
        {
            "request" => "body",
            "sharePercentB" => "sharePercent",
            "perArmA" => "perArm",
            var name => name,
        });
        return outcome.IsOk ? TypedResults.Ok(outcome.Value!) : ApiProblems.Invalid(outcome.Errors!);
    }

    private static bool Required(double? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            errors.Add(field, $"{field} is required.");
            return false;
        }

        return true;
    }

    private static T? Parse<T>(string? value, string field, ValidationErrors errors, params (string Name, T Value)[] choices)
        where T : struct
    {
        foreach (var (name, parsed) in choices)
        {
            if (string.Equals(value, name, StringComparison.OrdinalIgnoreCase))
            {
                return parsed;
            }
        }

        errors.Add(field, $"{field} is one of {string.Join(", ", choices.Select(c => c.Name))}.");
        return null;
    }
}
