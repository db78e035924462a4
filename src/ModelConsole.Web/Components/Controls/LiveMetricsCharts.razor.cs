using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Web.Services;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace ModelConsole.Web.Components.Controls;

/// <summary>A time range of the charts: the last N minutes per step, live, or a fixed window that ends at <see cref="To"/>.</summary>
public sealed record ChartRange(string Key, string Label, int WindowMinutes, int StepMinutes, DateTime? To = null)
{
    /// <summary>The ranges a person picks: 1 h per minute, 6 h per 5 minutes, 24 h per 15 minutes, 7 days per hour.</summary>
    public static readonly IReadOnlyList<ChartRange> Presets =
    [
        new("1h", "1 h", 60, 1), new("6h", "6 h", 360, 5), new("24h", "24 h", 1440, 15), new("7d", "7 d", 10_080, 60),
    ];

    private static readonly int[] Steps = [1, 5, 15, 60, 240, 1440];

    /// <summary>The longest custom range.</summary>
    public static readonly TimeSpan MaxCustom = TimeSpan.FromDays(31);

    /// <summary>
    /// A custom range from <paramref name="from"/> to <paramref name="to"/> (UTC) with the smallest step that keeps it
    /// under 360 points, or why it cannot be shown.
    /// </summary>
    public static (ChartRange? Range, string? Problem) Custom(DateTime? from, DateTime? to, DateTime now)
    {
        if (from is not { } f || to is not { } t)
        {
            return (null, "Give both the start and the end.");
        }

        if (t <= f)
        {
            return (null, "The end is after the start.");
        }

        if (f.Year < 2000 || t > now.AddMinutes(1))
        {
            return (null, "The range is between the year 2000 and now.");
        }

        if (t - f > MaxCustom)
        {
            return (null, $"A range is at most {MaxCustom.TotalDays:0} days.");
        }

        var minutes = (int)Math.Ceiling((t - f).TotalMinutes);
        var step = Steps.First(s => minutes / (double)s <= 360 || s == Steps[^1]);
        var window = (int)Math.Ceiling(minutes / (double)step) * step;
        return (new ChartRange("custom", $"{f:yyyy-MM-dd HH:mm} to {t:yyyy-MM-dd HH:mm} UTC", window, step, t), null);
    }

    /// <summary>How the caption names the step.</summary>
    public string StepWords => StepMinutes switch
    {
        1 => "per minute",
        < 60 => $"per {StepMinutes} minutes",
        60 => "per hour",
        1440 => "per day",
        _ => $"per {StepMinutes / 60} hours",
    };
}

/// <summary>A moment of the bundle's history drawn on its charts (a deploy, a ramp, a rollback).</summary>
public sealed record ChartMarker(DateTime At, string Text, bool Bad);

/// <summary>
/// A bundle's metrics over a chosen range (the last hour by default), live: ingest's folded-data events mark the
/// charts stale, and at most every <see cref="RefreshInterval"/> they read the steps since the last finished one,
/// append the finished steps to each chart and move the marker of the step in progress. Whole series are sent once,
/// when the page opens or the range changes; the bundle's deploys, ramps and rollbacks are drawn as markers.
/// </summary>
public sealed partial class LiveMetricsCharts
{
    public const int DefaultWindowMinutes = 60;

    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;
    private static readonly Plotly.Blazor.Config Config = new() { Responsive = true, DisplayLogo = false, DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.False };

    private LiveMetricsModel _model = new(DefaultWindowMinutes);
    private ChartRange _range = ChartRange.Presets[0];
    private IReadOnlyList<ChartMarker> _markers = [];
    private DateTime? _customFrom;
    private DateTime? _customTo;
    private string? _customProblem;
    private bool _customOpen;
    private readonly CancellationTokenSource _stop = new();
    private List<ChartView> _charts = [];
    private IDisposable? _subscription;
    private ThrottledRefresh? _refresh;
    private bool _loading = true;
    private string? _error;
    private int _appendedPoints;
    private int _refreshes;
    private string? _loadedBundle;

    [Parameter, EditorRequired]
    public required string Bundle { get; set; }

    /// <summary>The shortest time between two refreshes however often data arrives.</summary>
    [Parameter]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The bundle's history between two times, drawn as markers; none when not given.</summary>
    [Parameter]
    public Func<DateTime, DateTime, CancellationToken, Task<IReadOnlyList<ChartMarker>>>? MarkersFor { get; set; }

    [Inject]
    public required IMetricsSource Metrics { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private string IdPrefix => "metrics-" + Bundle;

    protected override void OnInitialized()
    {
        _charts = ChartView.All();
        _subscription = Live.Subscribe(e =>
        {
            if (e is TelemetryFoldedEvent folded && folded.Bundles.Contains(Bundle))
            {
                _refresh?.MarkStale();
            }
        });
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedBundle != Bundle)
        {
            _loadedBundle = Bundle;
            await LoadAsync();
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            // A new step finishes the previous one even when no data arrived; a fixed range never refreshes.
            var step = _model.StepOf(Clock.GetUtcNow().UtcDateTime);
            bool NewMinute()
            {
                if (_range.To is not null)
                {
                    return false;
                }

                var now = _model.StepOf(Clock.GetUtcNow().UtcDateTime);
                var changed = now != step;
                step = now;
                return changed;
            }

            _refresh = new ThrottledRefresh(RefreshInterval, Clock);
            _ = _refresh.RunAsync(() => InvokeAsync(RefreshAsync), DispatchExceptionAsync, NewMinute);
        }
    }

    /// <summary>Reads the minutes since the last finished one and appends what is new; the loop and tests call it.</summary>
    public async Task RefreshAsync()
    {
        if (_range.To is not null || _loading)
        {
            return; // a fixed range does not move
        }

        var now = Clock.GetUtcNow().UtcDateTime;
        var points = await Metrics.ReadAsync(Bundle, _model.NextFrom, _model.StepOf(now).AddMinutes(_model.StepMinutes), _model.StepMinutes, _stop.Token) ?? [];
        var appended = _model.Advance(points, now);
        _refreshes++;
        if (appended.Count > 0)
        {
            _appendedPoints += appended.Count;
            foreach (var chart in _charts)
            {
                await chart.AppendAsync(appended, _model.MaxPoints, _stop.Token);
            }
        }

        foreach (var chart in _charts)
        {
            await chart.ShowCurrentAsync(_model.Current, _stop.Token);
        }

        await InvokeAsync(StateHasChanged);
    }

    private async Task LoadAsync()
    {
        _loading = true;
        try
        {
            _error = null;
            _model = new LiveMetricsModel(_range.WindowMinutes, _range.StepMinutes);
            // A fixed range ends at the step after its end, so every step of it is finished.
            var now = _range.To is { } to ? _model.StepOf(to).AddMinutes(_model.StepMinutes) : Clock.GetUtcNow().UtcDateTime;
            var from = _model.WindowStart(now);
            var until = _model.StepOf(now).AddMinutes(_model.StepMinutes);
            var points = await Metrics.ReadAsync(Bundle, from, until, _model.StepMinutes, _stop.Token) ?? [];
            _model.Load(points, now);
            _markers = MarkersFor is null ? [] : await MarkersFor(from, until, _stop.Token);
            foreach (var chart in _charts)
            {
                chart.Fill(_model.Finished, _model.Current, _markers);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    /// <summary>Shows another range: the whole series again, then live appends when it ends now.</summary>
    private async Task ChooseAsync(string? key)
    {
        if (key == "custom")
        {
            _customOpen = true;
            _customTo ??= MinuteRollup.MinuteOf(Clock.GetUtcNow().UtcDateTime);
            _customFrom ??= _customTo.Value.AddHours(-3);
            return;
        }

        _customOpen = false;
        if (ChartRange.Presets.FirstOrDefault(r => r.Key == key) is { } preset && preset != _range)
        {
            _range = preset;
            await LoadAsync();
        }
    }

    private async Task ShowCustomAsync()
    {
        var (range, problem) = ChartRange.Custom(
            _customFrom is { } f ? DateTime.SpecifyKind(f, DateTimeKind.Utc) : null,
            _customTo is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null,
            Clock.GetUtcNow().UtcDateTime);
        _customProblem = problem;
        if (range is not null)
        {
            _range = range;
            await LoadAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _refresh?.Dispose();
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    private static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.00", Culture) + " %" : "–";

    private static string Ms(double? ms) => ms is { } v ? v.ToString("N0", Culture) + " ms" : "–";

    private static string Usd(double usd) => usd.ToString(usd < 10 ? "$#,##0.00##" : "$#,##0.00", Culture);

    /// <summary>One chart: its series (one trace per series for finished minutes, then one marker trace per series).</summary>
    private sealed class ChartView(string key, string title, string unit, params (string Name, Func<MetricsPoint, double?> Value)[] series)
    {
        /// <summary>The series' colours; the in-progress marker wears its series' colour.</summary>
        private static readonly string[] Colors = ["#3b82f6", "#f59e0b"];

        public string Key { get; } = key;

        public PlotlyChart? Chart { get; set; }

        public IList<ITrace> Data { get; } = [];

        public Plotly.Blazor.Layout Layout { get; } = new()
        {
            Title = new Title { Text = title, Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Size = 14 } },
            Height = 220,
            Margin = new Margin { L = 50, R = 10, T = 36, B = 30 },
            PaperBgColor = "rgba(0,0,0,0)",
            PlotBgColor = "rgba(0,0,0,0)",
            Font = new Font { Color = "#8a8f98", Size = 11 },
            // The title names the series and their colours; a legend would take room from a small chart.
            ShowLegend = false,
            XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date, GridColor = "rgba(128,128,128,0.2)" }],
            YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = unit }, GridColor = "rgba(128,128,128,0.2)", RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero }],
        };

        /// <summary>
        /// Requests and cost per minute, then the catalog's charted metrics: the latency percentiles together on one
        /// chart, every other metric on its own (a new metric is charted without a line here).
        /// </summary>
        public static List<ChartView> All()
        {
            var charts = new List<ChartView> { new("requests", "Requests per minute", "requests", ("requests", p => p.Requests)) };
            var percentiles = MetricCatalog.Charted.Where(m => m.Kind == MetricKind.Percentile).ToList();
            if (percentiles.Count > 0)
            {
                charts.Add(new("latency", "Latency: " + string.Join(" and ", percentiles.Select((m, i) => $"{Short(m)} ({ColorNames[i % ColorNames.Length]})")), "ms",
                    percentiles.Select(m => (Short(m), Series(m))).ToArray()));
            }

            foreach (var metric in MetricCatalog.Charted.Where(m => m.Kind != MetricKind.Percentile))
            {
                charts.Add(new(KeyOf(metric), metric.Label, metric.UnitLabel, (metric.Label.ToLowerInvariant(), Series(metric))));
            }

            charts.Add(new("cost", "Cost per minute", "USD", ("cost", p => p.CostUsd)));
            return charts;
        }

        private static readonly string[] ColorNames = ["blue", "amber"];

        // Drawn in the unit people read (a share in percent).
        private static Func<MetricsPoint, double?> Series(Metric metric) => p => p.Metrics.GetValueOrDefault(metric.Name) * metric.DisplayScale;

        private static string Short(Metric metric) => metric.Label.Replace("Latency ", "", StringComparison.Ordinal);

        // errorRate → error-rate, as the charts' test ids read.
        private static string KeyOf(Metric metric) =>
            string.Concat(metric.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : c.ToString()));

        public void Fill(IReadOnlyList<MetricsPoint> finished, MetricsPoint? current, IReadOnlyList<ChartMarker> markers)
        {
            // Deploys, ramps and rollbacks as dotted vertical lines across the chart, named at the top.
            Layout.Shapes = markers.Select(m => new Shape
            {
                Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line, X0 = X(m.At), X1 = X(m.At), Y0 = 0, Y1 = 1,
                YRef = "paper", Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = m.Bad ? "#d32f2f" : "#7a869a", Dash = "dot", Width = 1 },
            }).ToList();
            Layout.Annotations = markers.Select(m => new Annotation
            {
                X = X(m.At), Y = 1, YRef = "paper", Text = m.Text, ShowArrow = false, XAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.XAnchorEnum.Left,
                YAnchor = Plotly.Blazor.LayoutLib.AnnotationLib.YAnchorEnum.Bottom, Font = new Plotly.Blazor.LayoutLib.AnnotationLib.Font { Size = 9, Color = m.Bad ? "#d32f2f" : "#7a869a" },
            }).ToList();
            Data.Clear();
            for (var i = 0; i < series.Length; i++)
            {
                var (name, value) = series[i];
                Data.Add(new Scatter
                {
                    Name = name, Mode = ModeFlag.Lines | ModeFlag.Markers, Marker = new Marker { Size = 4, Color = Colors[i] }, Line = new Line { Color = Colors[i] },
                    X = finished.Select(p => (object)X(p.T)).ToList(),
                    Y = finished.Select(p => (object?)value(p)).ToList()!,
                    ConnectGaps = false,
                });
            }

            for (var i = 0; i < series.Length; i++)
            {
                var (name, value) = series[i];
                Data.Add(new Scatter
                {
                    Name = name + " (this minute)", ShowLegend = false, Mode = ModeFlag.Markers,
                    Marker = new Marker { Size = 9, Color = Colors[i], Symbol = Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.CircleOpen },
                    X = current is null ? [] : [X(current.T)],
                    Y = current is null ? [] : [value(current)!],
                });
            }
        }

        public async Task AppendAsync(IReadOnlyList<MetricsPoint> appended, int maxPoints, CancellationToken cancellationToken)
        {
            if (Chart is null)
            {
                return;
            }

            var xs = series.Select(_ => appended.Select(p => (object)X(p.T))).ToList();
            var ys = series.Select(s => appended.Select(p => s.Value(p) is { } v ? (object)v : null!)).ToList();
            await Chart.ExtendTraces(xs, ys, Enumerable.Range(0, series.Length), maxPoints, cancellationToken);
        }

        public async Task ShowCurrentAsync(MetricsPoint? current, CancellationToken cancellationToken)
        {
            if (Chart is null)
            {
                return;
            }

            // Plotly.update replaces just the marker traces' one point.
            var update = new Dictionary<string, object>
            {
                ["x"] = series.Select(_ => current is null ? Array.Empty<object>() : [X(current.T)]).ToArray(),
                ["y"] = series.Select(s => current is null || s.Value(current) is not { } v ? Array.Empty<object>() : [v]).ToArray(),
            };
            await Chart.Update(update, null, Enumerable.Range(series.Length, series.Length), cancellationToken);
        }

        // Plotly reads "yyyy-MM-dd HH:mm" as a wall time; the axis is labelled UTC.
        private static string X(DateTime t) => t.ToString("yyyy-MM-dd HH:mm", Culture);
    }
}
