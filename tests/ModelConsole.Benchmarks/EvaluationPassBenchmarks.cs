using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;

namespace ModelConsole.Benchmarks;

/// <summary>
/// One evaluation pass over 1,000 families (an ACTIVE and a CANARY bundle each, the seven default rules, 10 minutes of
/// healthy rollups) on a real SQLite file, including its set-based reads (goal: under 200 ms). The baseline is the
/// pass's own set-based read of every bundle's window, the floor any pass pays.
/// </summary>
[MemoryDiagnoser]
public class EvaluationPassBenchmarks
{
    private const int Families = 1_000;
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 30, DateTimeKind.Utc);

    private string _folder = "";
    private ServiceProvider _services = null!;
    private EvaluationService _evaluation = null!;
    private TelemetryQueries _telemetry = null!;
    private List<int> _bundleIds = [];

    [GlobalSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "modelconsole-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "bench.db") }.ConnectionString);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FixedClock(Now));
        services.AddModelConsoleData(settings);
        services.AddOptions<AlertsOptions>();
        services.AddOptions<TelemetryOptions>();
        services.AddOptions<PipelineOptions>();
        services.AddSingleton<LiveEvents>();
        services.AddSingleton<RoutingSnapshot>();
        services.AddSingleton<ExpensiveReads>();
        services.AddSingleton<TelemetryService>();
        services.AddSingleton<PipelineService>();
        services.AddSingleton<AlertsService>();
        services.AddSingleton<EvaluationService>();
        _services = services.BuildServiceProvider();
        _services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
        Seed();
        _services.GetRequiredService<AlertStore>().SeedMissingRulesAsync(CancellationToken.None).GetAwaiter().GetResult();
        _services.GetRequiredService<RoutingSnapshot>().RoutingVersionChangedAsync(CancellationToken.None).GetAwaiter().GetResult();
        _evaluation = _services.GetRequiredService<EvaluationService>();
        _telemetry = _services.GetRequiredService<TelemetryQueries>();
        // The first pass writes every family's default rules and fills the bundle catalog; measured passes only read.
        _evaluation.EvaluateAllAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    private void Seed()
    {
        using var db = _services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContext();
        var families = Enumerable.Range(0, Families).Select(i => new FamilyEntity { Name = $"fam-{i:0000}", CreatedAt = Now, CreatedBy = "bench", RoutingVersion = 2 }).ToList();
        db.Families.AddRange(families);
        db.SaveChanges();
        BundleEntity Bundle(FamilyEntity f, string suffix, Stage stage, double? percent) => new()
        {
            Name = f.Name + suffix, FamilyId = f.Id, Provider = "openai", ModelId = "m" + suffix, Prompt = "p", PromptHash = "h", Config = "{}",
            ConfigHash = "c", BundleHash = f.Name + suffix, Stage = stage, TrafficPercent = percent, StageEnteredAt = Now.AddHours(-1),
            CreatedAt = Now.AddHours(-2), CreatedBy = "bench",
        };
        var bundles = families.SelectMany(f => new[] { Bundle(f, "-v1", Stage.Active, null), Bundle(f, "-v2", Stage.Canary, 5) }).ToList();
        db.Bundles.AddRange(bundles);
        db.SaveChanges();
        _bundleIds = bundles.Select(b => b.Id).ToList();

        var first = MinuteRollup.MinuteOf(Now).AddMinutes(-9);
        foreach (var bundle in bundles)
        {
            var canary = bundle.Stage == Stage.Canary;
            for (var m = 0; m < 10; m++)
            {
                var minute = first.AddMinutes(m);
                var requests = canary ? 10 : 190;
                db.Rollups.Add(new RollupEntity
                {
                    BundleId = bundle.Id, Minute = minute, Requests = requests, Errors = requests / 50, LatencySumMs = requests * 800.0,
                    QualityCount = requests / 2, QualitySum = requests / 2 * 0.8, QualitySumSquares = requests / 2 * 0.65, CostCount = requests,
                    CostSum = requests * 0.002, CostSumSquares = requests * 0.0000045, NegativeFeedback = requests / 40,
                });
                foreach (var (latency, share) in new[] { (400.0, 0.5), (800.0, 0.4), (2_000.0, 0.1) })
                {
                    db.RollupLatency.Add(new RollupLatencyEntity { BundleId = bundle.Id, Minute = minute, Bucket = LatencyHistogram.BucketOf(latency), Count = (long)(requests * share) });
                }
            }
        }

        db.SaveChanges();
    }

    [Benchmark(Baseline = true)]
    public Task<IReadOnlyDictionary<int, MinuteRollup>> ReadEveryBundlesWindow() =>
        _telemetry.ReadWindowTotalsAsync(_bundleIds, MinuteRollup.MinuteOf(Now).AddMinutes(-4), MinuteRollup.MinuteOf(Now).AddMinutes(1), CancellationToken.None);

    [Benchmark]
    public Task EvaluationPassOverAThousandFamilies() => _evaluation.EvaluateAllAsync(CancellationToken.None);

    /// <summary>A quick timing outside BenchmarkDotNet (<c>evaluation-pass [PASSES]</c>), for a look while tuning.</summary>
    public static async Task<int> TimeAsync(string[] args)
    {
        var passes = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 10;
        var bench = new EvaluationPassBenchmarks();
        var setup = System.Diagnostics.Stopwatch.StartNew();
        bench.Setup();
        Console.WriteLine($"setup {setup.ElapsedMilliseconds} ms");
        foreach (var (name, run) in new (string, Func<Task>)[] { ("read", bench.ReadEveryBundlesWindow), ("pass", bench.EvaluationPassOverAThousandFamilies) })
        {
            var times = new List<double>();
            for (var i = 0; i < passes; i++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                await run();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"{name}: median {times.Order().ElementAt(times.Count / 2):0.0} ms over {passes}");
        }

        bench.Cleanup();
        return 0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}
