using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace ModelConsole.Web.Components.Pages;

public sealed partial class Compare : IAsyncDisposable
{
    private static readonly int[] Windows = [15, 60, 240, 1440];

    /// <summary>The shortest time between two live refreshes however often data arrives.</summary>
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stop = new();
    private readonly Plotly.Blazor.Config _config = new() { Responsive = true, DisplayLogo = false };
    private readonly IList<ITrace> _latencyData = [];
    private readonly Plotly.Blazor.Layout _latencyLayout = new()
    {
        Title = new Title { Text = "Latency: share of calls at most this slow" },
        Height = 300,
        Margin = new Margin { L = 50, R = 10, T = 40, B = 40 },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Color = "#8a8f98" },
        XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log, Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = "latency (ms, log scale)" }, GridColor = "rgba(128,128,128,0.2)" }],
        YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = "% of calls" }, GridColor = "rgba(128,128,128,0.2)", Range = [0, 100] }],
    };

    private IReadOnlyList<FamilySummary> _families = [];
    private ComparisonView? _view;
    private PlotlyChart? _chart;
    private string? _empty;
    private string? _error;
    private bool _loading = true;
    private bool _redraw;
    private DateTime _updatedAt;
    private IDisposable? _subscription;
    private ThrottledRefresh? _refresh;

    [SupplyParameterFromQuery(Name = "family")]
    public string? Family { get; set; }

    /// <summary>The window in the address, as typed: a bad one opens the page at the default window, with a message.</summary>
    [SupplyParameterFromQuery(Name = "window")]
    public string? WindowQuery { get; set; }

    private int Window { get; set; } = ComparisonService.DefaultWindowMinutes;

    private string? _queryProblem;

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required ComparisonService Comparisons { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private string StageText => _view is { Answer: var a } && a.CandidateStage == "CANARY"
        ? $"CANARY {_families.FirstOrDefault(f => f.Name == a.Family)?.Canary?.Percent:0.##} %"
        : $"SHADOW {_families.FirstOrDefault(f => f.Name == _view?.Answer.Family)?.Shadow?.MirrorPercent:0.##} %";

    protected override void OnInitialized() =>
        _subscription = Live.Subscribe(e =>
        {
            if (e is TelemetryFoldedEvent folded && _view is { Answer: var a } && (folded.Bundles.Contains(a.Active) || folded.Bundles.Contains(a.Candidate)))
            {
                _refresh?.MarkStale();
            }
            else if (e is StageChangedEvent changed && changed.Family == Family)
            {
                _refresh?.MarkStale();
            }
        });

    protected override async Task OnParametersSetAsync()
    {
        _queryProblem = null;
        Window = ComparisonService.DefaultWindowMinutes;
        if (WindowQuery is not null)
        {
            if (int.TryParse(WindowQuery, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var w) && Windows.Contains(w))
            {
                Window = w;
            }
            else
            {
                _queryProblem = $"The address asks for a window of '{WindowQuery}'; the window is one of {string.Join(", ", Windows.Select(WindowLabel))}. Showing {WindowLabel(Window)}.";
            }
        }

        try
        {
            _families = await Registry.ListFamiliesAsync(_stop.Token);
            // Without a choice, open the first family that has a candidate.
            Family ??= _families.FirstOrDefault(f => f.Canary is not null || f.Shadow is not null)?.Name;
            await LoadAsync();
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

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _refresh = new ThrottledRefresh(RefreshInterval, Clock);
            _ = _refresh.RunAsync(() => InvokeAsync(async () =>
            {
                await LoadAsync();
                StateHasChanged();
            }), DispatchExceptionAsync);
        }

        if (_redraw && _chart is not null)
        {
            _redraw = false;
            try
            {
                await _chart.React();
            }
            catch (Exception ex) when (ex is JSDisconnectedException or TaskCanceledException)
            {
                // the page is going away
            }
        }
    }

    private async Task LoadAsync()
    {
        _empty = null;
        if (Family is null)
        {
            _view = null;
            return;
        }

        var outcome = await Comparisons.CompareAsync(Family, null, Window, null, _stop.Token);
        _view = outcome.Value;
        _empty = outcome.IsOk ? null : outcome.Problem!.Replace("no candidate:", "no candidate to compare:", StringComparison.Ordinal);
        _updatedAt = Clock.GetUtcNow().UtcDateTime;
        if (_view is { } view)
        {
            FillLatency(view);
            _redraw = true;
        }
    }

    private void FillLatency(ComparisonView view)
    {
        _latencyData.Clear();
        foreach (var (name, histogram, color) in new[] { (view.Answer.Active + " (active)", view.ActiveLatency, "#3b82f6"), (view.Answer.Candidate + " (candidate)", view.CandidateLatency, "#f59e0b") })
        {
            // The cumulative distribution from the merged histogram: where the curves part is where the latency differs.
            var total = histogram.Values.Sum();
            var buckets = histogram.Where(b => b.Value > 0).OrderBy(b => b.Key).ToList();
            var running = 0L;
            _latencyData.Add(new Scatter
            {
                Name = name, Mode = ModeFlag.Lines, Line = new Line { Color = color, Shape = Plotly.Blazor.Traces.ScatterLib.LineLib.ShapeEnum.Hv },
                X = buckets.Select(b => (object)Math.Max(0.01, LatencyHistogram.Representative(b.Key))).ToList(),
                Y = buckets.Select(b => (object)(100.0 * (running += b.Value) / total)).ToList(),
            });
        }
    }

    private void FamilyChanged(string family) => Navigate(family, Window);

    private void WindowChanged(int window) => Navigate(Family, window);

    private void Navigate(string? family, int window) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["family"] = family, ["window"] = window }));

    private async Task ExportAsync()
    {
        if (_view is { Answer: var a })
        {
            await JS.InvokeVoidAsync("modelConsole.download", $"compare-{a.Family}-{a.Candidate}.csv", Controls.ComparisonModel.ToCsv(a), "text/csv");
        }
    }

    private static string WindowLabel(int minutes) => minutes switch
    {
        < 60 => $"last {minutes} minutes",
        60 => "last hour",
        < 1440 => $"last {minutes / 60} hours",
        _ => "last 24 hours",
    };

    private static string Paired(PairedDifference? d, string format, string unit) => d is null
        ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{d.MeanDifference.ToString("+" + format + ";−" + format, CultureInfo.InvariantCulture)}{unit} ({d.CiLow.ToString(format, CultureInfo.InvariantCulture)} to {d.CiHigh.ToString(format, CultureInfo.InvariantCulture)}{unit}), {Controls.ComparisonModel.PValue(d.PValue)}, {d.Pairs:N0} pairs");

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        _refresh?.Dispose();
        await _stop.CancelAsync();
        _stop.Dispose();
    }
}
