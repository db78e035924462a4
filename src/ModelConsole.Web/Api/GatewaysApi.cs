using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public sealed record AnnotationsRequest(IReadOnlyList<AnnotationInput?>? Annotations);

/// <summary>The endpoints gateways use besides <c>route</c> and <c>POST /telemetry</c>.</summary>
public static class GatewaysApi
{
    public static RouteGroupBuilder MapGatewaysApi(this RouteGroupBuilder api)
    {
        api.MapGet("/bundles/{name}/content", ContentAsync).RequireAuthorization(Policies.RoutingRead)
            .WithTags("Gateways").WithName("BundleContent").Problems(404)
            .WithSummary("A bundle's model, prompt, config, failover chain and prices: what a gateway serves it with. ETag = bundleHash.");
        api.MapPost("/telemetry/annotations", AnnotateAsync).RequireAuthorization(Policies.TelemetryWrite)
            .Produces<AnnotationResult>(StatusCodes.Status202Accepted)
            .WithTags("Gateways").WithName("PostAnnotations").Problems(413)
            .WithSummary("Quality scores and feedback that arrive after their calls, folded into the calls' minutes.");
        return api;
    }

    private static async Task<IResult> ContentAsync(string name, BundleContentCache contents, HttpContext context, CancellationToken cancellationToken)
    {
        var bundle = await contents.GetAsync(name, cancellationToken);
        if (bundle is null)
        {
            return ApiProblems.NotFound($"There is no bundle named '{name}'.");
        }

        // Bundles never change: a gateway may keep the content as long as it likes.
        context.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        if (ETags.SendAndMatch(context, bundle.BundleHash))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(bundle);
    }

    private static async Task<Results<JsonHttpResult<AnnotationResult>, ValidationProblem, ProblemHttpResult>> AnnotateAsync(
        AnnotationsRequest request, TelemetryService telemetry, CancellationToken cancellationToken)
    {
        if (request.Annotations is null)
        {
            return ApiProblems.Invalid("annotations", "Give the annotations as a JSON array. Nothing was stored.");
        }

        if (request.Annotations.Count > TelemetryService.MaxAnnotationsPerRequest)
        {
            return TypedResults.Problem($"{request.Annotations.Count:N0} annotations is more than {TelemetryService.MaxAnnotationsPerRequest:N0}: split them. Nothing was stored.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many annotations.");
        }

        var result = await telemetry.AnnotateAsync(request.Annotations, cancellationToken);
        return TypedResults.Json(result, statusCode: StatusCodes.Status202Accepted);
    }
}
