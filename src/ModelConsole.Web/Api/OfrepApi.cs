using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Net.Http.Headers;
using ModelConsole.Core.Bundles;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>OFREP's metadata for a bundle flag: where the answer comes from and what the bundle is.</summary>
public sealed record OfrepMetadata(
    string Stage, long RoutingVersion, string Provider, string ModelId, string BundleHash,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MirrorTo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExperimentId);

/// <summary>One flag's answer: a success (value, variant, reason, metadata) or an error (errorCode, errorDetails).</summary>
public sealed record OfrepFlag(
    string Key,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Variant,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OfrepMetadata? Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorCode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ErrorDetails);

public sealed record OfrepBulk(IReadOnlyList<OfrepFlag> Flags);

/// <summary>An OFREP request error without a flag (bulk evaluation).</summary>
public sealed record OfrepError(string ErrorCode, string ErrorDetails);

/// <summary>
/// The OpenFeature Remote Evaluation Protocol (API.md "OpenFeature (OFREP)"): the flag key is the family, the targeting
/// key the subject and the value the bundle name <c>route</c> would answer. The answer is read from the same routing
/// snapshot as <c>route</c>; only the bundle's provider, model and hash come from the (immutable) content cache.
/// </summary>
public static class OfrepApi
{
    public const string BasePath = "/ofrep/v1";
    public const int MaxBodyBytes = 64 * 1024;

    public static void MapOfrepApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath + "/evaluate").RequireAuthorization(Policies.RoutingRead).RequireRateLimiting(AuthSetup.ApiRateLimit).WithTags("OpenFeature");
        group.MapPost("/flags/{key}", EvaluateAsync).WithName("OfrepEvaluate")
            .Accepts<JsonElement>("application/json").Produces<OfrepFlag>().Produces<OfrepFlag>(StatusCodes.Status400BadRequest).Produces<OfrepFlag>(StatusCodes.Status404NotFound)
            .WithSummary("OFREP single evaluation: the bundle that serves this targeting key in the family named by the flag key.");
        group.MapPost("/flags", BulkAsync).WithName("OfrepBulkEvaluate")
            .Accepts<JsonElement>("application/json").Produces<OfrepBulk>().Produces<OfrepError>(StatusCodes.Status400BadRequest)
            .WithSummary("OFREP bulk evaluation: every family's bundle for this targeting key, with an ETag.");
    }

    private static async Task<IResult> EvaluateAsync(string key, HttpContext context, RoutingSnapshot routing, BundleContentCache contents, CancellationToken cancellationToken)
    {
        var (subject, errorCode, errorDetails) = await ReadTargetingKeyAsync(context, cancellationToken);
        if (errorCode is not null)
        {
            return Results.Json(new OfrepFlag(key, null, null, null, null, errorCode, errorDetails), statusCode: StatusCodes.Status400BadRequest);
        }

        var flag = await EvaluateFlagAsync(routing.Current, key, subject!, contents, cancellationToken);
        return Results.Json(flag, statusCode: flag.ErrorCode is null ? StatusCodes.Status200OK : StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> BulkAsync(HttpContext context, RoutingSnapshot routing, BundleContentCache contents, CancellationToken cancellationToken)
    {
        var (subject, errorCode, errorDetails) = await ReadTargetingKeyAsync(context, cancellationToken);
        if (errorCode is not null)
        {
            return Results.Json(new OfrepError(errorCode, errorDetails!), statusCode: StatusCodes.Status400BadRequest);
        }

        var table = routing.Current;
        // The answer depends on the table and the subject only: both are in the tag.
        if (ETags.SendAndMatch(context, $"{table.Version}-{XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(subject!)):x16}"))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        var flags = new List<OfrepFlag>(table.Families.Count);
        foreach (var family in table.Families.Keys.Order(StringComparer.Ordinal))
        {
            flags.Add(await EvaluateFlagAsync(table, family, subject!, contents, cancellationToken));
        }

        return Results.Json(new OfrepBulk(flags));
    }

    private static async Task<OfrepFlag> EvaluateFlagAsync(RoutingTable table, string family, string subject, BundleContentCache contents, CancellationToken cancellationToken)
    {
        var decision = table.Resolve(family, subject);
        switch (decision.Outcome)
        {
            case RouteOutcome.UnknownFamily:
                return new OfrepFlag(family, null, null, null, null, "FLAG_NOT_FOUND", $"There is no family named '{ApiProblems.Clip(family)}'.");
            case RouteOutcome.NoActiveBundle:
                return new OfrepFlag(family, null, null, null, null, "FLAG_NOT_FOUND", $"The family '{family}' has no ACTIVE bundle yet, so nothing serves it.");
        }

        var route = decision.Route!;
        var variant = decision.ExperimentArm switch
        {
            'A' => "experiment-a",
            'B' => "experiment-b",
            _ => decision.Stage == Stage.Canary ? "canary" : "active",
        };
        // The reason describes the family: SPLIT whenever a canary or an experiment divides it.
        var reason = route.IsSplit ? "SPLIT" : "STATIC";
        var content = await contents.GetAsync(decision.Bundle!, cancellationToken);
        var metadata = new OfrepMetadata(decision.Stage.ToWire(), route.RoutingVersion, content?.Provider ?? "", content?.ModelId ?? "", content?.BundleHash ?? "",
            decision.MirrorTo, decision.ExperimentArm == '\0' ? null : route.Experiment!.Id);
        return new OfrepFlag(family, decision.Bundle, variant, reason, metadata, null, null);
    }

    /// <summary>The targeting key from <c>{ context: { targetingKey } }</c>, or OFREP's error code and words.</summary>
    private static async Task<(string? Subject, string? ErrorCode, string? ErrorDetails)> ReadTargetingKeyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, "PARSE_ERROR", $"The body is larger than {MaxBodyBytes:N0} bytes.");
        }

        JsonDocument document;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length > MaxBodyBytes)
            {
                return (null, "PARSE_ERROR", $"The body is larger than {MaxBodyBytes:N0} bytes.");
            }

            document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            return (null, "PARSE_ERROR", $"The body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("context", out var evaluationContext)
                || evaluationContext.ValueKind != JsonValueKind.Object)
            {
                return (null, "INVALID_CONTEXT", "Send { \"context\": { \"targetingKey\": \"...\" } }: the evaluation context must be a JSON object.");
            }

            if (!evaluationContext.TryGetProperty("targetingKey", out var targetingKey) || targetingKey.ValueKind == JsonValueKind.Null
                || targetingKey.ValueKind == JsonValueKind.String && targetingKey.GetString() is not { Length: > 0 })
            {
                return (null, "TARGETING_KEY_MISSING", "The context has no targetingKey: give the subject the gateway routes by (a session or user id).");
            }

            if (targetingKey.ValueKind != JsonValueKind.String)
            {
                return (null, "INVALID_CONTEXT", "The targetingKey must be a string.");
            }

            var subject = targetingKey.GetString()!;
            return subject.Length > RoutingApi.MaxSubjectLength
                ? (null, "INVALID_CONTEXT", $"The targetingKey is longer than {RoutingApi.MaxSubjectLength} characters.")
                : (subject, null, null);
        }
    }

}
