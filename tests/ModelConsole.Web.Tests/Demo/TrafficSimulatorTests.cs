using ModelConsole.Data.Models;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Demo;

/// <summary>A seeded demo console whose simulator is driven tick by tick on a manual clock (its own loop stays off).</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    /// <summary>16:00 UTC, the daily peak: the configured rate applies unscaled.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 16, 0, 0, TimeSpan.Zero);

    private TestDatabase? _database;

    public ManualClock Clock { get; } = new(Start);

    public ConsoleFactory Factory { get; private set; } = null!;

    public T Get<T>()
        where T : notnull => Factory.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        Factory = new ConsoleFactory(_database, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true",
            ["Demo:Simulate"] = "false",
            ["Demo:RequestsPerSecond"] = "400",
            ["Demo:Seed"] = "20261129",
        }).WithClock(Clock);
        _ = Factory.Server;
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>
/// The simulator behaves like the demo families' gateways: traffic follows the routing snapshot, reaches the rollups
/// through ingest, and demo degradations show up there while they run and vanish after.
/// </summary>
public sealed class TrafficSimulatorTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private TrafficSimulator Simulator => fixture.Get<TrafficSimulator>();

    private async Task<long> RequestsAsync(string bundle, DateTime from, DateTime to)
    {
        var points = await fixture.Get<TelemetryService>().ReadAsync(bundle, from, to, 1, CancellationToken.None);
        return points!.Sum(p => p.Requests);
    }

    private async Task<MetricsPoint> MinuteAsync(string bundle, DateTime minute)
    {
        var points = await fixture.Get<TelemetryService>().ReadAsync(bundle, minute, minute.AddMinutes(1), 1, CancellationToken.None);
        return Assert.Single(points!);
    }

    /// <summary>Ticks of 10 s until <paramref name="minutes"/> have passed; the clock ends on the last tick.</summary>
    private async Task RunAsync(int minutes)
    {
        for (var i = 0; i < minutes * 6; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(10));
            await Simulator.TickAsync(fixture.Clock.GetUtcNow().UtcDateTime, 10, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Traffic_FollowsTheRoutingSnapshot_CanarySplitAndMirror()
    {
        var from = fixture.Clock.GetUtcNow().UtcDateTime;
        await RunAsync(minutes: 5);
        var to = fixture.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);

        // The seed leaves support-agent-v11 in CANARY at 5 % of support-agent, and summarizer-v5 in SHADOW at 20 %.
        var routes = fixture.Get<RoutingSnapshot>().Current.Families;
        Assert.Equal(5, routes["support-agent"].Canary!.Percent);
        Assert.Equal(20, routes["summarizer"].Shadow!.MirrorPercent);

        var active = await RequestsAsync("support-agent-v10", from, to);
        var canary = await RequestsAsync("support-agent-v11", from, to);
        Assert.True(active + canary > 30_000, $"{active + canary} requests");
        // Subjects come from a pool, so the pool's own split adds to the sampling error: 1 point is ~6 standard errors.
        Assert.InRange(canary / (double)(active + canary), 0.04, 0.06);

        var primary = await RequestsAsync("summarizer-v4", from, to);
        var mirrored = await RequestsAsync("summarizer-v5", from, to);
        Assert.InRange(mirrored / (double)primary, 0.18, 0.22);

        // Every family's share of the traffic is the configured one.
        var total = 0L;
        var perFamily = new Dictionary<string, long>();
        foreach (var family in DemoSeeder.Traffic)
        {
            var served = family.Name switch
            {
                "support-agent" => active + canary,
                "summarizer" => primary,
                "sql-copilot" => await RequestsAsync("sql-copilot-v1", from, to),
                _ => await RequestsAsync("ticket-triage-v1", from, to),
            };
            perFamily[family.Name] = served;
            total += served;
        }

        Assert.All(DemoSeeder.Traffic, f => Assert.InRange(perFamily[f.Name] / (double)total, f.Share - 0.01, f.Share + 0.01));
        // Bundles in STAGING get nothing.
        Assert.Equal(0, await RequestsAsync("sql-copilot-v2", from, to));
    }

    [Fact]
    public async Task Degradation_ShowsUpWithinAMinute_AndIsGoneAfterItsDuration()
    {
        const string bundle = "support-agent-v10";
        var beforeMinute = NextMinute();
        await RunAsync(minutes: 1);
        Assert.InRange((await MinuteAsync(bundle, beforeMinute)).ErrorRate!.Value, 0, 0.03); // its baseline says 1.2 %

        var degradations = fixture.Get<DemoDegradations>();
        var started = await degradations.StartAsync(new DegradationDraft(bundle, DegradationKind.ErrorRate, 10, 2), "admin", CancellationToken.None);
        Assert.True(started.Succeeded, started.Conflict);
        // The very next minute of traffic carries it.
        var degradedMinute = NextMinute();
        await RunAsync(minutes: 1);
        Assert.InRange((await MinuteAsync(bundle, degradedMinute)).ErrorRate!.Value, 0.09, 0.15); // ×10: 12 %
        // Only the degraded bundle: the canary beside it keeps its own error rate.
        Assert.InRange((await MinuteAsync("support-agent-v11", degradedMinute)).ErrorRate!.Value, 0, 0.05);

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var afterMinute = NextMinute();
        await RunAsync(minutes: 1);
        Assert.InRange((await MinuteAsync(bundle, afterMinute)).ErrorRate!.Value, 0, 0.03);
        Assert.DoesNotContain(degradations.Current, d => d.Id == started.Value!.Id);

        var ledger = await fixture.Get<LedgerStore>().ListAsync(new LedgerQuery(Bundle: bundle), CancellationToken.None);
        var record = Assert.Single(ledger, r => r.Action == LedgerActions.DemoDegraded);
        Assert.Equal("admin", record.Actor);
        Assert.Equal("support-agent", record.Family);
        Assert.Contains("error rate ×10", record.Reason);
    }

    [Fact]
    public async Task Degradation_StoppedEarly_EndsAtOnce_AndIsRecorded()
    {
        var degradations = fixture.Get<DemoDegradations>();
        var started = await degradations.StartAsync(new DegradationDraft("ticket-triage-v1", DegradationKind.Latency, 5_000, 30), "admin", CancellationToken.None);
        Assert.Contains(degradations.Current, d => d.Id == started.Value!.Id);

        Assert.True(await degradations.StopAsync(started.Value!.Id, "admin", CancellationToken.None));
        Assert.False(await degradations.StopAsync(started.Value!.Id, "admin", CancellationToken.None));
        Assert.DoesNotContain(degradations.Current, d => d.Id == started.Value!.Id);

        var minute = NextMinute();
        await RunAsync(minutes: 1);
        Assert.True((await MinuteAsync("ticket-triage-v1", minute)).LatencyP95Ms < 1_000); // its baseline p95 is 620 ms
        var ledger = await fixture.Get<LedgerStore>().ListAsync(new LedgerQuery(Bundle: "ticket-triage-v1"), CancellationToken.None);
        Assert.Contains(ledger, r => r.Action == LedgerActions.DemoDegradationStopped);
    }

    [Theory]
    [InlineData("no-such-bundle", "bundle")]
    [InlineData("support-agent-v10", "amount")]
    public async Task Degradation_WithBadInput_IsRefusedByField_AndChangesNothing(string bundle, string field)
    {
        var degradations = fixture.Get<DemoDegradations>();
        var before = degradations.Current.Count;
        var result = await degradations.StartAsync(new DegradationDraft(bundle, DegradationKind.ErrorRate, bundle == "no-such-bundle" ? 5 : 0.5, 5), "admin", CancellationToken.None);
        Assert.True(result.Errors.Has(field));
        Assert.Equal(before, degradations.Current.Count);
    }

    [Fact]
    public async Task Backfill_GivesTheActiveBundlesAPast_AndTheCandidatesNone()
    {
        // A fresh stretch of time, so earlier tests' traffic does not count.
        fixture.Clock.Advance(TimeSpan.FromHours(2));
        var now = fixture.Clock.GetUtcNow().UtcDateTime;
        var posted = await Simulator.BackfillAsync(now, 5, CancellationToken.None);
        Assert.True(posted > 1_000, $"{posted} events");

        var from = now.AddMinutes(-6);
        var points = await fixture.Get<TelemetryService>().ReadAsync("support-agent-v10", from, now, 1, CancellationToken.None);
        Assert.True(points!.Count(p => p.Requests > 0) >= 5, "every backfilled minute has traffic");
        Assert.Equal(0, await RequestsAsync("support-agent-v11", from, now));
        Assert.Equal(0, await RequestsAsync("summarizer-v5", from, now));
    }

    [Fact]
    public async Task FamilyTraffic_CountsServedRequests_NotTheShadowsMirroredCalls()
    {
        fixture.Clock.Advance(TimeSpan.FromHours(3));
        var from = NextMinute();
        await RunAsync(minutes: 2);
        var to = fixture.Clock.GetUtcNow().UtcDateTime.AddMinutes(1);

        var traffic = await fixture.Get<TelemetryService>().TrafficAsync(60, CancellationToken.None);
        Assert.Equal(await RequestsAsync("support-agent-v10", from, to) + await RequestsAsync("support-agent-v11", from, to), traffic["support-agent"].Requests);
        Assert.True(await RequestsAsync("summarizer-v5", from, to) > 0);
        Assert.Equal(await RequestsAsync("summarizer-v4", from, to), traffic["summarizer"].Requests);
    }

    /// <summary>Moves the clock to the next minute's start (ticks then fill exactly that minute) and returns it.</summary>
    private DateTime NextMinute()
    {
        var past = fixture.Clock.GetUtcNow().Ticks % TimeSpan.TicksPerMinute;
        fixture.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - past));
        return MinuteRollup.MinuteOf(fixture.Clock.GetUtcNow().UtcDateTime);
    }
}
