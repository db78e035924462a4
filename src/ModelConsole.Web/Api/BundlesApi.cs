using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public static class BundlesApi
{
    public const int MaxListed = 500;

    public static RouteGroupBuilder MapBundlesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/bundles").WithTags("Bundles");
        group.MapGet("/", ListAsync).RequireAuthorization(Policies.ConsoleRead).WithName("ListBundles").WithSummary("Bundles, newest first, filtered by family and stage.");
        group.MapPost("/", RegisterAsync).RequireAuthorization(Policies.RegistryWrite).WithName("RegisterBundle").Problems(409)
            .Example("""{ "name": "support-agent-v13", "family": "support-agent", "provider": "openai", "modelId": "gpt-4o-mini", "prompt": "You are a helpful support agent.", "config": { "temperature": 0.2 }, "parent": "support-agent-v12", "pricing": { "inputPerMillion": 0.15, "outputPerMillion": 0.6 } }""").WithSummary("Registers a bundle in STAGING.");
        group.MapGet("/{name}", GetAsync).RequireAuthorization(Policies.ConsoleRead).WithName("GetBundle").Problems(404).WithSummary("A bundle with its parts, hashes and transitions.");
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<BundleRow>>, ValidationProblem>> ListAsync(
        string? family, string? stage, RegistryService registry, CancellationToken cancellationToken)
    {
        Stage? parsed = null;
        if (!string.IsNullOrEmpty(stage))
        {
            if (!Stages.TryParse(stage, out var s))
            {
                return ApiProblems.Invalid("stage", $"Unknown stage '{stage}': use one of {string.Join(", ", Stages.All.Select(x => x.ToWire()))}.");
            }

            parsed = s;
        }

        if (!string.IsNullOrEmpty(family) && Names.Check(family, "family") is { } familyError)
        {
            return ApiProblems.Invalid("family", familyError);
        }

        var page = await registry.QueryBundlesAsync(new BundleQuery(Family: family, Stage: parsed, Take: MaxListed), cancellationToken);
        return TypedResults.Ok(page.Items);
    }

    private static async Task<Results<Created<RegisteredBundle>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterBundleRequest request, RegistryService registry, HttpContext context, CancellationToken cancellationToken)
    {
        var wireErrors = new ValidationErrors();
        var draft = request.ToDraft(wireErrors);
        if (!wireErrors.IsEmpty)
        {
            // Report the wire errors together with every other shape error, so one round trip shows them all.
            var shape = BundleRegistration.CheckShape(draft, out _);
            foreach (var (field, messages) in shape.ToDictionary())
            {
                foreach (var message in messages)
                {
                    wireErrors.Add(field, message);
                }
            }

            return ApiProblems.Invalid(wireErrors);
        }

        var result = await registry.RegisterAsync(draft, context.Actor(), cancellationToken);
        if (result.Conflict is not null)
        {
            return ApiProblems.Conflict(result.Conflict);
        }

        return result.Value is { } bundle
            ? TypedResults.Created($"/api/v1/bundles/{bundle.Name}", bundle)
            : ApiProblems.Invalid(result.Errors);
    }

    private static async Task<Results<Ok<BundleDetail>, ProblemHttpResult>> GetAsync(string name, RegistryService registry, CancellationToken cancellationToken)
    {
        var bundle = await registry.GetBundleAsync(name, cancellationToken);
        return bundle is null ? ApiProblems.NotFound($"There is no bundle named '{name}'.") : TypedResults.Ok(bundle);
    }
}
