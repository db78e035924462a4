using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Telemetry.Otlp;
using ModelConsole.Data.Models;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>
/// OTLP/HTTP trace intake at <c>POST /v1/traces</c> (API.md "OpenTelemetry intake"), so an exporter whose endpoint is
/// the console's base address works unchanged: protobuf or JSON, optionally gzip; answers as OTLP expects —
/// <c>ExportTraceServiceResponse</c> with <c>partial_success</c> in the request's encoding, <c>google.rpc.Status</c>
/// with 400, 413 and 415, and 503 with <c>Retry-After</c> before the node is ready.
/// </summary>
public static class OtlpApi
{
    public const string Path = "/v1/traces";
    public const string Protobuf = "application/x-protobuf";
    public const string Json = "application/json";

    // google.rpc.Code values OTLP's error bodies carry.
    private const int InvalidArgument = 3;
    private const int ResourceExhausted = 8;
    private const int Unavailable = 14;

    public static void MapOtlpApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, ExportAsync).RequireAuthorization(Policies.TelemetryWrite).RequireRateLimiting(AuthSetup.ApiRateLimit)
            .WithTags("OpenTelemetry").WithName("OtlpTraces")
            .WithSummary("OTLP/HTTP trace export: GenAI model-call spans become telemetry events through the same ingest as POST /api/v1/telemetry.")
            .Accepts<JsonElement>(Json, Protobuf)
            .Produces<byte[]>(StatusCodes.Status200OK, contentType: Protobuf, Json)
            .Produces<byte[]>(StatusCodes.Status400BadRequest, contentType: Protobuf, Json)
            .Produces<byte[]>(StatusCodes.Status413PayloadTooLarge, contentType: Protobuf, Json)
            .Produces<byte[]>(StatusCodes.Status415UnsupportedMediaType, contentType: Json)
            .Produces<byte[]>(StatusCodes.Status503ServiceUnavailable, contentType: Protobuf, Json);
    }

    private static async Task ExportAsync(HttpContext context, OtlpIntake intake, Readiness readiness, IOptions<TelemetryOptions> options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var json = Is(request.ContentType, Json);
        if (!json && !Is(request.ContentType, Protobuf))
        {
            await StatusAsync(context, json: true, StatusCodes.Status415UnsupportedMediaType, InvalidArgument,
                $"The body must be OTLP as {Protobuf} or {Json} (it was {(string.IsNullOrEmpty(request.ContentType) ? "missing" : $"'{ApiProblems.Clip(request.ContentType)}'")}).");
            return;
        }

        if (!readiness.IsReady)
        {
            context.Response.Headers.RetryAfter = "5";
            await StatusAsync(context, json, StatusCodes.Status503ServiceUnavailable, Unavailable, "The console is starting: retry shortly.");
            return;
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await StatusAsync(context, json, StatusCodes.Status415UnsupportedMediaType, InvalidArgument, $"Content-Encoding '{ApiProblems.Clip(encoding)}' is not supported: send gzip or none.");
            return;
        }

        var limit = options.Value.MaxBodyBytes;
        var tooLarge = $"The body is larger than Telemetry:MaxBodyBytes ({limit:N0} bytes, after decompression): export smaller batches.";
        var (buffer, length) = await RequestBodies.ReadAsync(request, limit, cancellationToken);
        if (buffer is null)
        {
            await StatusAsync(context, json, StatusCodes.Status413PayloadTooLarge, ResourceExhausted, tooLarge);
            return;
        }

        try
        {
            if (gzip)
            {
                var (inflated, inflatedLength, invalid) = RequestBodies.Gunzip(buffer.AsSpan(0, length), limit);
                if (inflated is null)
                {
                    await StatusAsync(context, json, invalid ? StatusCodes.Status400BadRequest : StatusCodes.Status413PayloadTooLarge,
                        invalid ? InvalidArgument : ResourceExhausted, invalid ? "The body is not valid gzip." : tooLarge);
                    return;
                }

                ArrayPool<byte>.Shared.Return(buffer);
                (buffer, length) = (inflated, inflatedLength);
            }

            var traces = json
                ? OtlpJson.Read(buffer.AsMemory(0, length), TelemetryValidation.MaxEventsPerBatch)
                : OtlpProtobuf.Read(buffer.AsSpan(0, length), TelemetryValidation.MaxEventsPerBatch);
            switch (traces.Problem)
            {
                case OtlpProblem.Undecodable:
                    await StatusAsync(context, json, StatusCodes.Status400BadRequest, InvalidArgument, $"The body is not an OTLP trace export: {traces.Detail} Nothing was stored.");
                    return;
                case OtlpProblem.TooManySpans:
                    await StatusAsync(context, json, StatusCodes.Status413PayloadTooLarge, ResourceExhausted, $"{traces.Detail} Nothing was stored: export smaller batches.");
                    return;
            }

            var result = await intake.IngestAsync(traces, cancellationToken);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = json ? Json : Protobuf;
            var body = json ? OtlpJson.Response(result.Rejected, result.Message) : OtlpProtobuf.Response(result.Rejected, result.Message);
            await context.Response.Body.WriteAsync(body, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task StatusAsync(HttpContext context, bool json, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = json ? Json : Protobuf;
        await context.Response.Body.WriteAsync(json ? OtlpJson.Status(code, message) : OtlpProtobuf.Status(code, message));
    }

    private static bool Is(string? contentType, string media) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.Equals(media, StringComparison.OrdinalIgnoreCase);

}
