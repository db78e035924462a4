using BenchmarkDotNet.Attributes;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Benchmarks;

/// <summary>
/// In-process resolve against a 200-family snapshot (goal: under 100 ns, 0 bytes allocated). The baseline is one
/// bucket hash, the floor any resolve pays; a resolve with a canary and a shadow hashes twice.
/// </summary>
[MemoryDiagnoser]
public class RouteResolveBenchmarks
{
    private RoutingTable _table = RoutingTable.Empty;
    private ModelConsole.Client.ModelConsoleClient? _client;
    private readonly string _subject = "user-4711";

    [GlobalSetup]
    public void Setup()
    {
        var fallbacks = new[] { new FallbackTarget("azure-openai", "gpt-4o") };
        _table = new RoutingTable(1, Enumerable.Range(0, 200).Select(i => new FamilyRoute(
            $"family-{i}", 1, $"family-{i}-v1", fallbacks,
            new CanaryRoute($"family-{i}-v2", 5), fallbacks,
            new ShadowRoute($"family-{i}-v3", 20), null)));
        // The gateway client's local resolve over the same table (never started: no network).
        _client = new ModelConsole.Client.ModelConsoleClient(new ModelConsole.Client.ModelConsoleClientOptions { ConsoleUrl = new Uri("http://127.0.0.1:1/"), ApiKey = "unused" });
        _client.UseTable(_table);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true)]
    public int OneBucketHash() => Bucketing.Bucket("family-42", _subject);

    [Benchmark]
    public RouteDecision ResolveWithCanaryAndShadow() => _table.Resolve("family-42", _subject);

    [Benchmark]
    public ModelConsole.Client.Resolution ClientResolveWithCanaryAndShadow() => _client!.Resolve("family-42", _subject);
}
