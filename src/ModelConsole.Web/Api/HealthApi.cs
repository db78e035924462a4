using ModelConsole.Data;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }))
            .WithTags("Health").WithName("Alive").WithSummary("Alive: the process answers.").AllowAnonymous();
        app.MapGet("/readyz", ReadyAsync).WithTags("Health").WithName("Ready")
            .WithSummary("Ready: migrations and demo seeding are done and the database answers (else 503).")
            .Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status503ServiceUnavailable).AllowAnonymous();
    }

    private static async Task<IResult> ReadyAsync(Readiness readiness, DatabaseMigrator migrator, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!readiness.IsReady)
        {
            return TypedResults.Problem("Migrations or demo seeding are still running.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.");
        }

        try
        {
            if (await migrator.CanConnectAsync(cancellationToken))
            {
                return TypedResults.Ok(new { status = "ready" });
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception's text (hosts, users, paths) is for the log, not for an anonymous probe.
            loggers.CreateLogger("ModelConsole.Web.Api.HealthApi").LogWarning(ex, "Readiness probe: the database is unreachable");
            return TypedResults.Problem("database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable, title: "The database is not reachable.");
        }

        return TypedResults.Problem("database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.");
    }
}
