using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Api;

/// <summary>The problem-details statuses an endpoint can answer beyond the ones every secured endpoint shares.</summary>
public sealed record ProblemStatuses(IReadOnlyList<int> Statuses);

/// <summary>An example request body for the OpenAPI document (JSON text).</summary>
public sealed record RequestExample(string Json);

/// <summary>
/// The OpenAPI document as tools read it: who may call each operation (the API-key and bearer schemes, the scope
/// and roles in words), every problem-details answer it can give, tag descriptions and a server address without a
/// trailing slash. The access rules themselves stay in <see cref="Policies"/>; this only describes them.
/// </summary>
public static class OpenApiSetup
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";
    public const string CookieScheme = "Cookie";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Health"] = "Liveness and readiness probes; anonymous.",
        ["Families"] = "Use cases (a family of bundles) and their live routing.",
        ["Bundles"] = "Immutable provider + model + prompt + config bundles, registered in STAGING.",
        ["Pipeline"] = "Moves through STAGING → SHADOW → CANARY → ACTIVE → DEPRECATED, and rollback.",
        ["Routing"] = "Which bundle serves a subject: one route, or the whole table with an ETag.",
        ["Ledger"] = "The audit ledger of every change, newest first.",
        ["Telemetry"] = "Gateway reports in, per-minute metrics and comparisons out.",
        ["Planner"] = "Sample sizes, shadow cost and durations; a candidate's planned sample size.",
        ["Rules and alerts"] = "Threshold rules relative to each bundle's baseline, alerts, silences and rollback readiness.",
        ["Gateways"] = "What a gateway serves a bundle with, and late quality scores and feedback.",
        ["Experiments"] = "A/B experiments between the ACTIVE bundle and its CANARY.",
        ["OpenFeature"] = "The OpenFeature Remote Evaluation Protocol: the flag key is the family, the value the bundle.",
        ["OpenTelemetry"] = "OTLP/HTTP trace intake: GenAI model-call spans become telemetry events.",
    };

    private static readonly Dictionary<int, string> StatusDescriptions = new()
    {
        [400] = "The request is not valid: problem details with `errors` per field.",
        [401] = "No valid API key (X-Api-Key or Authorization: Bearer) and no sign-in cookie.",
        [403] = "The key lacks the scope, or the signed-in user the role, named in the operation's description.",
        [404] = "A name or id in the path does not exist.",
        [409] = "The pipeline does not allow it now, a gate failed, or a concurrent change won (`detail` says which).",
        [412] = "If-Match names a version that is no longer current.",
        [413] = "The body is over the limits.",
        [415] = "The body is not JSON (Content-Type: application/json).",
        [429] = "Rate limited: retry after the seconds in Retry-After.",
    };

    /// <summary>Adds the endpoint's own problem-details statuses (404, 409, 412, 413 …) to the OpenAPI document.</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemStatuses(statuses));

    /// <summary>An example body for the OpenAPI document.</summary>
    public static TBuilder Example<TBuilder>(this TBuilder builder, string json) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestExample(json));

    public static IServiceCollection AddConsoleOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            Describe(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            Describe(operation, context);
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // The finite-number converter hides doubles' JSON type from the generator: say it, nullable when the C# type is.
            if (schema is OpenApiSchema concrete && concrete.Type is null && concrete.Format is "double" or "float")
            {
                var type = context.JsonPropertyInfo?.PropertyType ?? context.JsonTypeInfo.Type;
                concrete.Type = Nullable.GetUnderlyingType(type) is null ? JsonSchemaType.Number : JsonSchemaType.Number | JsonSchemaType.Null;
            }

            return Task.CompletedTask;
        });
    });

    private static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "ModelConsole API";
        document.Info.Version = "v1";
        document.Info.Description =
            "Registry, pipeline, routing, telemetry, rules and experiments of LLM bundles. JSON with camelCase names; "
            + "stages in upper case; times ISO-8601 UTC; rates and shares are fractions except fields ending in Percent (0–100); "
            + "money is USD. Every error is RFC 9457 problem details. Machines send an API key as X-Api-Key or "
            + "Authorization: Bearer; browsers their sign-in cookie.";
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ApiKeyDefaults.Header,
            Description = "An API key created under /admin/keys; its scopes decide what it may call.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer",
            Description = "The same API key as `Authorization: Bearer <key>` (OpenFeature and OpenTelemetry exporters send it so).",
        };
        document.Components.SecuritySchemes[CookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = "mc-auth",
            Description = "A browser's sign-in cookie; the user's roles decide what it may call.",
        };

        // A request body's nullable members may be left out (the server validates what a request needs), so a
        // generated client does not demand them; answers always carry every member, so theirs stay required.
        var requestSchemas = new HashSet<string>(StringComparer.Ordinal);
        var operations = (document.Paths?.Values.AsEnumerable() ?? []).SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []);
        foreach (var media in operations.SelectMany(o => o.RequestBody?.Content?.Values.AsEnumerable() ?? []))
        {
            CollectReferences(media.Schema, document, requestSchemas);
        }

        foreach (var name in requestSchemas)
        {
            if (document.Components.Schemas is { } schemas && schemas.TryGetValue(name, out var schema)
                && schema is OpenApiSchema { Required: { } required, Properties: { } properties })
            {
                foreach (var optional in required.Where(p => properties.TryGetValue(p, out var property) && IsNullable(property)).ToList())
                {
                    required.Remove(optional);
                }
            }
        }

        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }

    private static void Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document;
        operation.Responses ??= new OpenApiResponses();
        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [];
            operation.Description = Join(operation.Description, "Anonymous: no key or sign-in needed.");
        }
        else
        {
            operation.Security =
            [
                Requirement(ApiKeyScheme, document),
                Requirement(BearerScheme, document),
                Requirement(CookieScheme, document),
            ];
            operation.Description = Join(operation.Description, Access(metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>()));
            AddProblem(operation, 401, document);
            AddProblem(operation, 403, document);
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            AddProblem(operation, 429, document);
        }

        if (operation.RequestBody is not null && context.Description.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true)
        {
            AddProblem(operation, 415, document);
        }

        foreach (var statuses in metadata.OfType<ProblemStatuses>())
        {
            foreach (var status in statuses.Statuses)
            {
                AddProblem(operation, status, document);
            }
        }

        if (metadata.OfType<RequestExample>().LastOrDefault() is { } example
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(example.Json);
        }

        foreach (var (code, response) in operation.Responses)
        {
            if (int.TryParse(code, out var status) && StatusDescriptions.TryGetValue(status, out var words)
                && response is OpenApiResponse concrete && (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrase(status)))
            {
                concrete.Description = words;
            }
        }
    }

    private static void CollectReferences(IOpenApiSchema? schema, OpenApiDocument document, HashSet<string> names)
    {
        switch (schema)
        {
            case null:
                return;
            case OpenApiSchemaReference { Reference.Id: { } id }:
                if (names.Add(id) && document.Components?.Schemas is { } schemas && schemas.TryGetValue(id, out var target))
                {
                    CollectReferences(target, document, names);
                }

                return;
        }

        foreach (var child in (schema.Properties?.Values ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? []))
        {
            CollectReferences(child, document, names);
        }

        CollectReferences(schema.Items, document, names);
        CollectReferences(schema.AdditionalProperties, document, names);
    }

    private static bool IsNullable(IOpenApiSchema schema) =>
        schema.Type?.HasFlag(JsonSchemaType.Null) == true || schema.OneOf?.Any(s => s.Type == JsonSchemaType.Null) == true;

    /// <summary>Who may call, in words, from the policies the endpoint requires.</summary>
    public static string Access(IEnumerable<string> policies)
    {
        var parts = new List<string>();
        foreach (var policy in policies.Distinct())
        {
            if (!Policies.Requirements.TryGetValue(policy, out var requirement))
            {
                continue;
            }

            var people = requirement.Roles.Count == 0 ? "any signed-in user" : $"signed-in users in role {string.Join(" or ", requirement.Roles)} (or Admin)";
            var keys = requirement.Scopes switch
            {
                null => "no API key",
                [] => "any valid API key",
                var scopes => $"API keys with scope {string.Join(requirement.AnyScope ? " or " : " and ", scopes.Select(s => $"`{s}`"))}",
            };
            parts.Add($"{people}; {keys}");
        }

        return parts.Count == 0 ? "Access: any signed-in user." : $"Access: {string.Join(". Also: ", parts)}.";
    }

    private static OpenApiSecurityRequirement Requirement(string scheme, OpenApiDocument? document) =>
        new() { [new OpenApiSecuritySchemeReference(scheme, document)] = [] };

    private static void AddProblem(OpenApiOperation operation, int status, OpenApiDocument? document)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(code))
        {
            return;
        }

        var schema = status == 400 ? "HttpValidationProblemDetails" : "ProblemDetails";
        var response = new OpenApiResponse
        {
            Description = StatusDescriptions.GetValueOrDefault(status, ReasonPhrase(status)),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(schema, document) },
            },
        };
        if (status == 429)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before retrying.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                },
            };
        }

        operation.Responses[code] = response;
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

    private static string Join(string? first, string second) => string.IsNullOrEmpty(first) ? second : $"{first}\n\n{second}";
}
