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
        await app.RunAsync();
        return 0;
    }
}
