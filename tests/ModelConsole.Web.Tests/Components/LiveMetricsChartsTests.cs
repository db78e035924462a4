using System.Globalization;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelConsole.Core.Telemetry;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;
using MudBlazor.Services;

namespace ModelConsole.Web.Tests.Components;

/// <summary>The live charts draw the hour once, then only append finished minutes and move the in-progress marker.</summary>
public sealed class LiveMetricsChartsTests : BunitContext, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services only dispose asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private const string Interop = "./_content/Plotly.Blazor/plotly-interop-7.2.0.js";

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 29, 12, 30, 20, TimeSpan.Zero));
    private readonly FakeMetrics _metrics = new();
    private readonly BunitJSModuleInterop _plotly;

    public LiveMetricsChartsTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        JSInterop.Mode = JSRuntimeMode.Loose;
        _plotly = JSInterop.SetupModule(Interop);
        _plotly.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<TimeProvider>(_clock);
        Services.AddSingleton<IMetricsSource>(_metrics);
        Services.AddSingleton(new LiveEvents(NullLogger<LiveEvents>.Instance));
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private static MetricsPoint Point(DateTime t, long requests, long errors) =>
        new(t, requests, errors, requests == 0 ? null : (double)errors / requests, 400, 900, 0.8, requests * 0.001, requests * 100, requests * 20, 0,
            new Dictionary<string, double?> { ["errorRate"] = requests == 0 ? null : (double)errors / requests, ["latencyP50"] = 400, ["latencyP95"] = 900, ["qualityMean"] = 0.8 });

    private DateTime Minute(int offset) => MinuteRollup.MinuteOf(_clock.GetUtcNow().UtcDateTime).AddMinutes(offset);

    [Fact]
    public async Task Refresh_AppendsOnlyTheNewlyFinishedMinute_AndMovesTheCurrentMarker()
    {
        // The hour so far: 59 finished minutes of 10 requests and the current one with 4.
        for (var m = -59; m < 0; m++)
        {
            _metrics.Set(Point(Minute(m), 10, 1));
        }

        _metrics.Set(Point(Minute(0), 4, 0));
        var cut = Render<LiveMetricsCharts>(p => p.Add(c => c.Bundle, "b-v1").Add(c => c.RefreshInterval, TimeSpan.FromHours(1)));
        Assert.Equal((59 * 10 + 4).ToString("N0", CultureInfo.InvariantCulture), cut.Find("[data-testid=metrics-requests]").TextContent);
        Assert.Equal("9.93 %", cut.Find("[data-testid=metrics-error-rate]").TextContent); // 59 of 594
        Assert.Empty(_plotly.Invocations["extendTraces"]);

        // A minute later the current minute is finished (it grew to 12) and a new one has begun.
        var finished = Minute(0);
        _metrics.Set(Point(finished, 12, 0));
        _clock.Advance(TimeSpan.FromMinutes(1));
        _metrics.Set(Point(Minute(0), 3, 0));
        await cut.InvokeAsync(cut.Instance.RefreshAsync);

        Assert.Equal("1", cut.Find("[data-testid=live-metrics]").GetAttribute("data-appended"));
        // Every chart got exactly the one finished minute, never the whole series again.
        var extends = _plotly.Invocations["extendTraces"];
        var charts = cut.FindAll("[data-testid^=chart-]").Count;
        Assert.True(charts >= 5, $"{charts} charts");
        Assert.Equal(charts, extends.Count);
        Assert.All(extends, call =>
        {
            var xs = Assert.IsAssignableFrom<IEnumerable<IEnumerable<object>>>(call.Arguments[1]);
            Assert.All(xs, x => Assert.Equal([finished.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)], x.Select(v => (string)v)));
        });
        var requests = Assert.IsAssignableFrom<IEnumerable<IEnumerable<object>>>(extends[0].Arguments[2]);
        Assert.Equal([12.0], requests.Single().Select(Convert.ToDouble));
        Assert.Equal(charts, _plotly.Invocations["update"].Count); // each chart's in-progress marker moved

        // The window slid one minute: the oldest finished minute (10 requests) left, 12 + 3 came.
        Assert.Equal((58 * 10 + 12 + 3).ToString("N0", CultureInfo.InvariantCulture), cut.Find("[data-testid=metrics-requests]").TextContent);

        // Nothing new finished: the next refresh appends nothing.
        await cut.InvokeAsync(cut.Instance.RefreshAsync);
        Assert.Equal(charts, _plotly.Invocations["extendTraces"].Count);
        Assert.Equal(2 * charts, _plotly.Invocations["update"].Count);
    }

    [Fact]
    public void NoTelemetry_ShowsTheEmptyState()
    {
        var cut = Render<LiveMetricsCharts>(p => p.Add(c => c.Bundle, "quiet-v1").Add(c => c.RefreshInterval, TimeSpan.FromHours(1)));
        Assert.Contains("No telemetry in this range", cut.Find("[data-testid=live-metrics-empty]").TextContent);
        Assert.Equal("0", cut.Find("[data-testid=metrics-requests]").TextContent);
    }

    [Fact]
    public void AFailingRead_ShowsTheError()
    {
        _metrics.Failure = new InvalidOperationException("database is locked");
        var cut = Render<LiveMetricsCharts>(p => p.Add(c => c.Bundle, "b-v1").Add(c => c.RefreshInterval, TimeSpan.FromHours(1)));
        Assert.Contains("database is locked", cut.Find("[data-testid=live-metrics-error]").TextContent);
    }

    [Fact]
    public void AnotherRange_ReadsItsOwnSteps_AndTheBundlesHistoryIsMarked()
    {
        var asked = new List<(DateTime From, DateTime To)>();
        var cut = Render<LiveMetricsCharts>(p => p.Add(c => c.Bundle, "b-v1").Add(c => c.RefreshInterval, TimeSpan.FromHours(1))
            .Add(c => c.MarkersFor, (from, to, _) =>
            {
                asked.Add((from, to));
                return Task.FromResult<IReadOnlyList<ChartMarker>>([new ChartMarker(to.AddMinutes(-30), "→ CANARY 5 %", false)]);
            }));
        Assert.Equal((1, Minute(-59)), (_metrics.LastStep, _metrics.LastFrom));
        Assert.Contains("last 1 h, per minute", cut.Find("[data-testid=metrics-range-caption]").TextContent, StringComparison.Ordinal);
        Assert.Contains("dotted lines mark deploys", cut.Find("[data-testid=metrics-range-caption]").TextContent, StringComparison.Ordinal);

        cut.Find("[data-testid=metrics-range-6h]").Click();
        // 6 hours per 5 minutes, aligned to multiples of 5 minutes since midnight: 12:30 is the step in progress.
        var step = new DateTime(2026, 11, 29, 12, 30, 0, DateTimeKind.Utc);
        cut.WaitForAssertion(() => Assert.Equal((5, step.AddMinutes(-355)), (_metrics.LastStep, _metrics.LastFrom)));
        Assert.Contains("last 6 h, per 5 minutes", cut.Find("[data-testid=metrics-range-caption]").TextContent, StringComparison.Ordinal);
        Assert.Equal((step.AddMinutes(-355), step.AddMinutes(5)), asked[^1]);
    }

    [Fact]
    public void ACustomRange_PicksAStepUnder360Points_AndRefusesWhatCannotBeShown()
    {
        var now = new DateTime(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc);
        var (day, _) = ChartRange.Custom(now.AddDays(-1), now, now);
        Assert.Equal((5, 1440, (DateTime?)now), (day!.StepMinutes, day.WindowMinutes, day.To));
        var (week, _) = ChartRange.Custom(now.AddDays(-20), now, now);
        Assert.Equal(240, week!.StepMinutes);
        Assert.Equal("The end is after the start.", ChartRange.Custom(now, now.AddHours(-1), now).Problem);
        Assert.Equal("Give both the start and the end.", ChartRange.Custom(null, now, now).Problem);
        Assert.Contains("at most 31 days", ChartRange.Custom(now.AddDays(-40), now, now).Problem, StringComparison.Ordinal);
        Assert.Contains("between the year 2000 and now", ChartRange.Custom(now, now.AddDays(2), now.AddDays(-1)).Problem, StringComparison.Ordinal);
    }

    /// <summary>Minute points held in memory, answered per range like the rollups would be.</summary>
    private sealed class FakeMetrics : IMetricsSource
    {
        private readonly SortedDictionary<DateTime, MetricsPoint> _points = [];

        public Exception? Failure { get; set; }

        public int LastStep { get; private set; }

        public DateTime LastFrom { get; private set; }

        public void Set(MetricsPoint point) => _points[point.T] = point;

        public Task<IReadOnlyList<MetricsPoint>?> ReadAsync(string bundle, DateTime from, DateTime to, int stepMinutes, CancellationToken cancellationToken)
        {
            if (Failure is not null)
            {
                throw Failure;
            }

            (LastStep, LastFrom) = (stepMinutes, from);

            IReadOnlyList<MetricsPoint> points = MetricsSeries.Steps(from, to, 1)
                .Select(t => _points.TryGetValue(t, out var p) ? p : new MetricsPoint(t, 0, 0, null, null, null, null, null, 0, 0, 0, new Dictionary<string, double?>())).ToList();
            return Task.FromResult<IReadOnlyList<MetricsPoint>?>(points);
        }
    }
}
