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

/// <summary>Turns bad request bodies into 400 problem details, and any other failure under /api into a 500 one.</summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "The request body is not valid JSON for this endpoint.", json.Message),
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
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
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
