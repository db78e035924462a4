namespace ModelConsole.Web.Api;

public static class ApiFallback
{
    /// <summary>Unknown paths under /api answer a problem-details 404, never the HTML not-found page.</summary>
    public static void MapApiFallback(this IEndpointRouteBuilder app) =>
        app.Map("/api/{**rest}", (string? rest) => ApiProblems.NotFound($"There is no API endpoint at '/api/{rest}'."))
            .ExcludeFromDescription()
            .RequireAuthorization(Auth.Policies.AnyCaller);
}
