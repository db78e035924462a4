namespace ModelConsole.Benchmarks;

/// <summary>The baseline of the route load test: Kestrel answering a constant, nothing else on the path.</summary>
public static class BareKestrel
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/ping", () => "pong");
        // A stand-in OTLP collector for the console's own telemetry (the observability load run): takes and drops.
        app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.RunAsync();
        return 0;
    }
}
