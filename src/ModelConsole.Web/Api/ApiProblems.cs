using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using ModelConsole.Core.Validation;

namespace ModelConsole.Web.Api;

/// <summary>The problem-details answers every endpoint uses, so they read the same everywhere.</summary>
public static class ApiProblems
{
    public static ValidationProblem Invalid(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: "The request is not valid.", detail: Describe(errors));

    public static ValidationProblem Invalid(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return Invalid(errors);
    }

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found.");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict.");

    public static ProblemHttpResult PreconditionFailed(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status412PreconditionFailed, title: "Precondition failed.");

    /// <summary>The one mapping of an <see cref="Outcome{T}"/> to HTTP: 200 (or what <paramref name="ok"/> makes), 400, 404, 409, 412.</summary>
    public static Results<TOk, ValidationProblem, ProblemHttpResult> Answer<T, TOk>(Outcome<T> outcome, Func<T, TOk> ok)
        where TOk : IResult
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(ok);
        return outcome.Status switch
        {
            OutcomeStatus.Ok => ok(outcome.Value!),
            OutcomeStatus.Invalid => Invalid(outcome.Errors!),
            OutcomeStatus.NotFound => NotFound(outcome.Message!),
            OutcomeStatus.Stale => PreconditionFailed(outcome.Message!),
            _ => Conflict(outcome.Message!),
        };
    }

    /// <summary>A caller's text quoted in an answer, cut at 80 characters.</summary>
    public static string Clip(string value) => value.Length <= 80 ? value : value[..80] + "…";

    /// <summary>Writes a problem-details answer outside an endpoint (authentication, rate limiting).</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail },
            options: (System.Text.Json.JsonSerializerOptions?)null,
            contentType: "application/problem+json");
    }

    private static string Describe(ValidationErrors errors) =>
        string.Join(" ", errors.ToDictionary().SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}

/// <summary>
/// Turns bad request bodies into 400 problem details that say in plain words which field was wrong (its JSON path in
/// <c>errors</c>), and any other failure under /api into a 500 one.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        Dictionary<string, string[]>? errors = null;
        var (status, title, detail) = exception switch
        {
            // The failed endpoint, as the exception handler's feature keeps it (the context's own is cleared by then).
            BadHttpRequestException { InnerException: JsonException json } => Describe(json,
                httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType, out errors),
            BadHttpRequestException bad => (bad.StatusCode, "The request is not valid.", bad.Message),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", "The error was logged; nothing was changed."),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Path}", httpContext.Request.Path);
        }

        if (!httpContext.Request.Path.StartsWithSegments("/api") && status >= 500)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        var details = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null)
        {
            details.Extensions["errors"] = errors;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = details });
    }

    /// <summary>
    /// A JSON body the endpoint could not read: which field (the JSON path), and what it takes in words — read from the
    /// endpoint's body type along that path, never from the exception's message, which names .NET types.
    /// </summary>
    internal static (int, string, string) Describe(JsonException json, Type? body, out Dictionary<string, string[]> errors)
    {
        var field = Field(json.Path);
        var words = json.Message.StartsWith("Duplicate property", StringComparison.Ordinal)
            ? "appears more than once: each property may be given once"
            : json.Path is null or "$" || TypeAt(body, json.Path) is not { } type ? "is not valid JSON here"
            : "must be " + Words(type);
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [words] };
        return (StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.", $"{field}: {words}.");
    }

    // "$.events[3].percent" → "events[3].percent"; the whole body → "body".
    private static string Field(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The type the body declares at a JSON path ("$.a[2].b"), or null when the path leaves it.</summary>
    internal static Type? TypeAt(Type? type, string path)
    {
        if (type is null)
        {
            return null;
        }

        foreach (var segment in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var indexes = 0;
            while (name.EndsWith(']') && name.LastIndexOf('[') is var open and > -1)
            {
                name = name[..open];
                indexes++;
            }

            if (name.Length > 0)
            {
                type = (Nullable.GetUnderlyingType(type) ?? type).GetProperty(name, System.Reflection.BindingFlags.IgnoreCase | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)?.PropertyType;
            }

            for (var i = 0; i < indexes && type is not null; i++)
            {
                type = type.IsArray ? type.GetElementType()
                    : type.GetInterfaces().Append(type).FirstOrDefault(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
            }

            if (type is null)
            {
                return null;
            }
        }

        return type;
    }

    private static string Words(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number"
            : type == typeof(long) || type == typeof(int) || type == typeof(short) ? "a whole number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(DateTime) || type == typeof(DateTimeOffset) ? "an ISO-8601 date and time"
            : type == typeof(string) ? "a string"
            : type == typeof(JsonElement) ? "a JSON value"
            : type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? "an array"
            : "an object";
    }
}

public static class ActorExtensions
{
    /// <summary>Who the ledger names for this request.</summary>
    public static string Actor(this HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? name
            : throw new InvalidOperationException("An action reached its handler without an authenticated caller.");
}
