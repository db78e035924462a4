using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

public sealed partial class Demo : IDisposable
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    private readonly CancellationTokenSource _stop = new();
    private List<BundleRow> _bundles = [];
    private IReadOnlyList<Degradation> _current = [];
    private SimulatorStatus _status = new(false, 0, 0, 0, null, null);
    private string? _bundle;
    private DegradationKind _kind = DegradationKind.ErrorRate;
    private double? _amount = 5;
    private double? _duration = 10;
    private ValidationErrors? _errors;
    private string? _conflict;
    private string? _loadError;
    private bool _busy;
    private IDisposable? _subscription;

    [Inject]
    public required Readiness Readiness { get; init; }

    [Inject]
    public required DemoDegradations Degradations { get; init; }

    [Inject]
    public required TrafficSimulator Simulator { get; init; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required IOptions<DemoOptions> Options { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    private string AmountLabel => _kind switch
    {
        DegradationKind.ErrorRate => "Error rate × (e.g. 5)",
        DegradationKind.Latency => "Added latency (ms)",
        _ => "Quality drop (0–1)",
    };

    protected override async Task OnInitializedAsync()
    {
        Refresh();
        if (!Readiness.IsDemoDatabase)
        {
            return;
        }

        _subscription = Live.Subscribe(e =>
        {
            if (e is DegradationChangedEvent)
            {
                _ = InvokeAsync(() =>
                {
                    Refresh();
                    StateHasChanged();
                });
            }
        });
        try
        {
            var rows = new List<BundleRow>();
            foreach (var family in DemoSeeder.Traffic)
            {
                var page = await Registry.QueryBundlesAsync(new BundleQuery(Family: family.Name, Descending: false, Take: 100), _stop.Token);
                rows.AddRange(page.Items.Where(b => b.Stage != Stage.Deprecated.ToWire()));
            }

            _bundles = rows;
            _bundle = rows.FirstOrDefault(b => b.Stage == Stage.Canary.ToWire())?.Name ?? rows.FirstOrDefault()?.Name;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = ex.Message;
        }

        _ = TickAsync();
    }

    private void Refresh()
    {
        _current = Degradations.Current;
        _status = Simulator.Status;
    }

    /// <summary>Remaining times and the simulator's counts move on their own: refresh them every few seconds.</summary>
    private async Task TickAsync()
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(2), Clock);
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await InvokeAsync(() =>
                {
                    Refresh();
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // the page closed
        }
    }

    private void KindChanged(DegradationKind kind)
    {
        _kind = kind;
        _amount = kind switch { DegradationKind.ErrorRate => 5, DegradationKind.Latency => 800, _ => 0.2 };
        _errors = null;
    }

    private async Task StartAsync()
    {
        var acting = await Access.ActAsync(Policies.Admin);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _busy = true;
        _conflict = null;
        try
        {
            var result = await Degradations.StartAsync(new DegradationDraft(_bundle, _kind, _amount, _duration), acting.Actor, _stop.Token);
            _errors = result.Errors.IsEmpty ? null : result.Errors;
            _conflict = result.Conflict;
            if (result.Value is { } started)
            {
                Snackbar.Add($"{started.Bundle}: {started.Describe()} until {started.Until:HH:mm} UTC.", Severity.Success);
            }

            Refresh();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task StopAsync(Degradation degradation)
    {
        var acting = await Access.ActAsync(Policies.Admin);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _busy = true;
        try
        {
            if (!await Degradations.StopAsync(degradation.Id, acting.Actor, _stop.Token))
            {
                Snackbar.Add("That degradation had already ended.", Severity.Info);
            }

            Refresh();
        }
        finally
        {
            _busy = false;
        }
    }

    private string Remaining(Degradation d)
    {
        var left = d.Until - Clock.GetUtcNow().UtcDateTime;
        return left <= TimeSpan.Zero ? "ending" : left.TotalMinutes >= 1 ? $"{Math.Ceiling(left.TotalMinutes):0} min left" : $"{left.Seconds} s left";
    }

    private static string StageText(BundleRow b) => b.Percent is { } p ? $"{b.Stage} {p:0.##} %" : b.Stage;

    public void Dispose()
    {
        _subscription?.Dispose();
        _stop.Cancel();
        _stop.Dispose();
    }
}
