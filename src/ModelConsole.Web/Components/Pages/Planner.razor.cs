using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.JSInterop;
using ModelConsole.Data.Models;
using ModelConsole.Core.Metrics;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace ModelConsole.Web.Components.Pages;

public partial class Planner
{
    [Inject]
    public required PlannerService PlannerService { get; init; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    private PlannerInputs _inputs = new();
    private PlannerOutcome _outcome = new();
    private IReadOnlyList<string> _families = [];
    private PlannerFacts? _facts;
    private string? _factsNote;
    private string? _candidate;
    private bool _attaching;

    private PlotlyChart? _costChart;
    private PlotlyChart? _powerChart;
    private readonly IList<ITrace> _costData = [new Scatter { Name = "shadow cost", Mode = ModeFlag.Lines | ModeFlag.Markers, X = [], Y = [] }];
    private readonly IList<ITrace> _powerData = [new Scatter { Name = "power", Mode = ModeFlag.Lines, X = [], Y = [] }];
    private readonly Plotly.Blazor.Config _config = new() { Responsive = true, DisplayLogo = false };
    private readonly Plotly.Blazor.Layout _costLayout = ChartLayout("Shadow cost against the effect worth detecting", "smallest detectable change (% of baseline)", "USD in total");
    private readonly Plotly.Blazor.Layout _powerLayout = ChartLayout("Power against samples per arm", "samples per arm", "power");

    protected override async Task OnInitializedAsync()
    {
        var query = QueryHelpers.ParseQuery(Navigation.ToAbsoluteUri(Navigation.Uri).Query)
            .ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
        _inputs = PlannerInputs.FromQuery(query);
        _families = await Registry.ListFamilyNamesAsync(CancellationToken.None);
        if (_inputs.Family is { } family && _families.Contains(family))
        {
            await LoadFactsAsync(family, prefill: false);
        }
        else
        {
            _inputs.Family = null;
        }

        Recompute(updateUrl: false);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await RedrawAsync();
        }
    }

    private async Task MetricKindChangedAsync(string kind)
    {
        _inputs.Metric = kind;
        _inputs.Of = null;
        await PrefillAgainAsync();
    }

    private async Task SourceChangedAsync(string metric)
    {
        _inputs.Of = metric;
        await PrefillAgainAsync();
    }

    // A new metric or source reads the family's reference for it again (no family: the fields keep what was typed).
    private async Task PrefillAgainAsync()
    {
        if (_inputs.Family is { } family)
        {
            await LoadFactsAsync(family, prefill: true);
        }

        Recompute(updateUrl: true);
        await RedrawAsync();
    }

    private async Task FamilyChangedAsync(string? family)
    {
        _inputs.Family = family;
        _facts = null;
        _factsNote = null;
        _candidate = null;
        if (family is not null)
        {
            await LoadFactsAsync(family, prefill: true);
        }

        Recompute(updateUrl: true);
        await RedrawAsync();
    }

    private async Task LoadFactsAsync(string family, bool prefill)
    {
        _facts = await PlannerService.FactsAsync(family, CancellationToken.None);
        _candidate = _facts is { Candidates.Count: > 0 } ? _facts.Candidates[0].Name : null;
        if (_facts is null)
        {
            return;
        }

        var used = new List<string>();
        if (prefill)
        {
            if (_facts.RequestsPerDay is { } rpd)
            {
                _inputs.RequestsPerDay = Math.Round(rpd);
                used.Add("traffic");
            }

            if (_facts.MirrorPercent is { } mirror)
            {
                _inputs.MirrorPercent = mirror;
                used.Add("mirror percent");
            }

            var metric = _inputs.Source;
            var baseline = _facts.ValueOf(metric);
            if (baseline is > 0 and < 1 || (_inputs.Metric == "mean" && baseline is not null))
            {
                _inputs.Baseline = Math.Round(baseline.Value, 6);
                used.Add(metric.Label.ToLowerInvariant());
            }

            if (_inputs.Metric == "mean" && _facts.StdDevOf(metric) is { } sd)
            {
                _inputs.StdDev = Math.Round(sd, 6);
            }

            if (_facts.ActiveCostPerCallUsd is { } active)
            {
                _inputs.ActiveCostPerCallUsd = Math.Round(active, 8);
                used.Add("active cost");
            }

            if (_facts.Candidates.FirstOrDefault(c => c.CostPerCallUsd is not null) is { } candidate)
            {
                _inputs.ShadowCostPerCallUsd = Math.Round(candidate.CostPerCallUsd!.Value, 8);
                used.Add($"{candidate.Name}'s prices");
            }
        }

        _factsNote = _facts.Active is null ? "This family has no active bundle yet."
            : used.Count > 0 ? $"Filled from {_facts.Active}'s last day: {string.Join(", ", used)}."
            : prefill ? $"No live data for {_facts.Active} yet: the fields keep their values." : null;
    }

    private void Set(Action change)
    {
        change();
        Recompute(updateUrl: true);
        _ = RedrawAsync();
    }

    private void Recompute(bool updateUrl)
    {
        _outcome = PlannerModel.Compute(_inputs);
        if (updateUrl)
        {
            var query = _inputs.ToQuery().Where(q => q.Value is not null).ToDictionary(q => q.Key, q => q.Value);
            Navigation.NavigateTo(QueryHelpers.AddQueryString(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>()).Split('?')[0], query),
                new NavigationOptions { ReplaceHistoryEntry = true });
        }
    }

    private async Task RedrawAsync()
    {
        try
        {
            Fill(_costData, _outcome.CostCurve);
            Fill(_powerData, _outcome.PowerCurve);
            if (_costChart is not null)
            {
                await _costChart.React();
            }

            if (_powerChart is not null)
            {
                await _powerChart.React();
            }
        }
        catch (Exception ex) when (ex is JSDisconnectedException or TaskCanceledException)
        {
            // The page is going away: nothing to draw on.
        }
    }

    private static void Fill(IList<ITrace> data, IReadOnlyList<CurvePoint> points)
    {
        var trace = (Scatter)data[0];
        trace.X = points.Select(p => (object)p.X).ToList();
        trace.Y = points.Select(p => (object)p.Y).ToList();
    }

    private async Task ExportAsync()
    {
        var name = $"plan-{_inputs.Family ?? "custom"}-{DateTime.UtcNow:yyyyMMdd-HHmm}.csv";
        await JS.InvokeVoidAsync("modelConsole.download", name, PlannerModel.ToCsv(_inputs, _outcome), "text/csv");
    }

    private async Task AttachAsync()
    {
        if (_candidate is null || _outcome.Plan is null)
        {
            return;
        }

        var acting = await Access.ActAsync(Policies.PipelineWrite);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _attaching = true;
        try
        {
            var perArm = _outcome.Plan.PerArmCeiling;
            var result = await PlannerService.AttachAsync(_candidate, perArm, $"from the planner: {_inputs.Metric}, MDE {_inputs.Mde} ({_inputs.MdeType}), α {_inputs.Alpha}, power {_inputs.Power}", acting.Actor, CancellationToken.None);
            if (!result.IsOk)
            {
                Snackbar.Add(result.Problem!, Severity.Error);
            }
            else
            {
                Snackbar.Add($"{_candidate} now plans {perArm:N0} samples per arm.", Severity.Success);
                await LoadFactsAsync(_inputs.Family!, prefill: false);
            }
        }
        finally
        {
            _attaching = false;
        }
    }

    private bool Has(string field) => _outcome.Errors.ContainsKey(field);

    private string? ErrorOf(string field) => _outcome.Errors.GetValueOrDefault(field);

    private static string Usd(double value) => value.ToString(value < 10 ? "$#,##0.00##" : "$#,##0", CultureInfo.InvariantCulture);

    private static string Days(double days) => days < 10 ? days.ToString("0.0", CultureInfo.InvariantCulture) : days.ToString("N0", CultureInfo.InvariantCulture);

    private static Plotly.Blazor.Layout ChartLayout(string title, string x, string y) => new()
    {
        Title = new Title { Text = title },
        Height = 300,
        Margin = new Plotly.Blazor.LayoutLib.Margin { L = 60, R = 20, T = 50, B = 50 },
        PaperBgColor = "rgba(0,0,0,0)",
        PlotBgColor = "rgba(0,0,0,0)",
        Font = new Font { Color = "#8a8f98" },
        XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = x }, GridColor = "rgba(128,128,128,0.2)" }],
        YAxis = [new YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = y }, GridColor = "rgba(128,128,128,0.2)" }],
    };
}
