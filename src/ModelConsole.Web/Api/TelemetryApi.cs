using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>The event shape of API.md, for the OpenAPI document (the endpoint reads the body itself).</summary>
public sealed record TelemetryEventContract(
    string RequestId, string Bundle, DateTime Timestamp, double LatencyMs, long InputTokens, long OutputTokens, long? CachedInputTokens,
    double? CostUsd, bool Success, string? ErrorType, double? QualityScore, string? Feedback, string? Subject, string? OutputHash,
    double? Agreement, string? ShadowOf, string? Provider, string? ServedModel, bool? Simulated);

public sealed record TelemetryBatchContract(string? BatchId, IReadOnlyList<TelemetryEventContract> Events);

public sealed record MetricsAnswer(string Bundle, int Step, IReadOnlyList<MetricsPoint> Points);

public static class TelemetryApi
{
    public const int DefaultWindowSteps = 60;

    /// <summary>No telemetry is older than this.</summary>
    private static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static RouteGroupBuilder MapTelemetryApi(this RouteGroupBuilder api)
    {
        api.MapPost("/telemetry", IngestAsync).RequireAuthorization(Policies.TelemetryWrite)
            .Accepts<TelemetryBatchContract>("application/json")
            .Produces<IngestResult>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithTags("Telemetry").WithName("PostTelemetry")
            .Example("""{ "batchId": "gw-7-000123", "events": [ { "requestId": "req-1", "bundle": "support-agent-v12", "timestamp": "2026-12-01T10:00:00Z", "latencyMs": 840, "inputTokens": 512, "outputTokens": 128, "cachedInputTokens": 256, "success": true, "subject": "user-42" } ] }""")
            .WithSummary("Stores a batch of gateway reports and folds them into rollups; answers after the commit.");
        api.MapGet("/bundles/{name}/metrics", MetricsAsync).RequireAuthorization(Policies.ConsoleRead).ExpensiveRead()
            .WithTags("Telemetry").WithName("BundleMetrics").Problems(404)
            .WithSummary("A bundle's metrics per UTC-aligned step, from the minute rollups.");
        return api;
    }

    private static async Task<IResult> IngestAsync(HttpContext context, TelemetryService telemetry, IOptions<TelemetryOptions> options, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodyBytes;
        var body = await RequestBodies.ReadAsync(context.Request, limit, cancellationToken);
        if (body.Buffer is null)
        {
            return TooLarge($"The body is larger than Telemetry:MaxBodyBytes ({limit:N0} bytes): send smaller batches.");
        }

        try
        {
            var batch = TelemetryBatchReader.Read(body.Buffer.AsSpan(0, body.Length), TelemetryValidation.MaxEventsPerBatch);
            switch (batch.Problem)
            {
                case BatchProblem.TooManyEvents:
                    return TooLarge($"{batch.Detail} Nothing was stored: split the batch.");
                case BatchProblem.NotABatch:
                    return ApiProblems.Invalid("events", $"{batch.Detail} Nothing was stored.");
            }

            var result = await telemetry.IngestAsync(batch, cancellationToken);
            return TypedResults.Json(result, statusCode: StatusCodes.Status202Accepted);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body.Buffer);
        }
    }

    private static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "The batch is too large.");


    private static async Task<Results<Ok<MetricsAnswer>, ValidationProblem, ProblemHttpResult>> MetricsAsync(
        string name, DateTimeOffset? from, DateTimeOffset? to, int? step, TelemetryService telemetry, TimeProvider clock, CancellationToken cancellationToken)
    {
        var stepMinutes = step ?? 1;
        if (stepMinutes is < 1 or > MetricsSeries.MaxStepMinutes)
        {
            return ApiProblems.Invalid("step", $"The step is in minutes, from 1 to {MetricsSeries.MaxStepMinutes}.");
        }

        // Dates at the edges of their range are refused, not thrown: metrics start in 2000 and end a day from now at most.
        var now = clock.GetUtcNow();
        foreach (var (field, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is { } v && (v < Earliest || v > now.AddDays(1)))
            {
                return ApiProblems.Invalid(field, $"'{field}' must lie between {Earliest:yyyy-MM-dd} and a day from now.");
            }
        }

        var end = (to ?? now).UtcDateTime;
        var start = from?.UtcDateTime ?? end.AddMinutes(-stepMinutes * DefaultWindowSteps);
        if (start >= end)
        {
            return ApiProblems.Invalid("from", "'from' must be before 'to'.");
        }

        if ((end - start).TotalMinutes / stepMinutes > MetricsSeries.MaxPoints)
        {
            return ApiProblems.Invalid("step", $"At most {MetricsSeries.MaxPoints} points per request: widen the step or narrow from/to.");
        }

        var points = await telemetry.ReadAsync(name, start, end, stepMinutes, cancellationToken);
        return points is null
            ? ApiProblems.NotFound($"There is no bundle named '{name}'.")
            : TypedResults.Ok(new MetricsAnswer(name, stepMinutes, points));
    }
}
