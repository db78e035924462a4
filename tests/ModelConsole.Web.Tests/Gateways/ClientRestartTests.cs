using System.Net.Http.Json;
using System.Text.Json;
using ModelConsole.Client;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Gateways;

/// <summary>A gateway outlives the console: SIGKILL, resolves from the last table (STALE), telemetry delivered after the restart, once.</summary>
public sealed class ClientRestartTests : IAsyncLifetime
{
    private TestDatabase? _database;
    private ConsoleProcess _console = null!;
    private readonly string _cacheFile = Path.Combine(Path.GetTempPath(), $"mc-routing-{Guid.NewGuid():N}.json");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        _console = new ConsoleProcess(_database);
        await _console.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _console.DisposeAsync();
        await _database!.DisposeAsync();
        File.Delete(_cacheFile);
    }

    private ModelConsoleClientOptions Options() => new()
    {
        ConsoleUrl = new Uri($"http://127.0.0.1:{_console.Port}/"),
        ApiKey = ConsoleProcess.Key,
        StaleAfter = TimeSpan.FromSeconds(1),
        PollInterval = TimeSpan.FromMilliseconds(300),
        TelemetryFlushInterval = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(2),
        CacheFile = _cacheFile,
    };

    [Fact]
    public async Task TheConsoleKilled_ResolvesGoOnStale_TelemetryArrivesAfterTheRestart_Once()
    {
        var family = await _console.Client.CanaryFamilyAsync("restart", canaryPercent: 20);
        await using var client = new ModelConsoleClient(Options());
        await client.StartAsync();
        var subjects = Enumerable.Range(0, 300).Select(i => "user-" + i).ToList();
        var before = subjects.ToDictionary(s => s, s => client.Resolve(family, s).Bundle);
        Assert.Contains(before.Values, b => b == family + "-v2");
        Assert.True(File.Exists(_cacheFile));

        await _console.KillAsync();
        await Task.Delay(1_500);
        foreach (var subject in subjects)
        {
            var answer = client.Resolve(family, subject);
            Assert.Equal(before[subject], answer.Bundle);
            Assert.Equal(ResolveReason.Stale, answer.Reason);
            Assert.True(answer.Staleness >= TimeSpan.FromSeconds(1), answer.Staleness.ToString());
        }

        var events = Enumerable.Range(0, 50).Select(i => new TelemetryEvent
        {
            RequestId = $"while-down-{i}", Bundle = family + "-v1", Timestamp = DateTimeOffset.UtcNow, LatencyMs = 20, InputTokens = 3, OutputTokens = 2, Success = true,
        }).ToList();
        Assert.All(events, e => Assert.True(client.Report(e)));
        await Task.Delay(500);
        Assert.Equal(50, client.QueuedEvents);

        // A gateway restarted while the console is down routes from the saved table.
        await using (var restarted = new ModelConsoleClient(Options()))
        {
            await restarted.StartAsync();
            Assert.All(subjects, s => Assert.Equal(before[s], restarted.Resolve(family, s).Bundle));
            Assert.Equal(ResolveReason.Stale, restarted.Resolve(family, subjects[0]).Reason);
        }

        await _console.StartAsync();
        using (var flush = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await client.FlushAsync(flush.Token);
        }

        Assert.Equal(50, await RequestsAsync(family + "-v1"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (client.Resolve(family, subjects[0]).Reason == ResolveReason.Stale && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(ResolveReason.Split, client.Resolve(family, subjects[0]).Reason);

        // The same calls sent again (as a retry after a lost acknowledgement would) are not counted twice.
        Assert.All(events, e => Assert.True(client.Report(e)));
        await client.FlushAsync();
        Assert.Equal(50, await RequestsAsync(family + "-v1"));
        Assert.Equal(0, client.DroppedEvents);
    }

    private Task<long> RequestsAsync(string bundle) => _console.Client.RecentRequestsAsync(bundle);
}
