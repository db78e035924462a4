using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Validation;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

/// <summary>The conclusion panel's state: open or not, the decision and reason as typed, and what the last try said.</summary>
public sealed class ConcludeModel
{
    public bool Open { get; private set; }
    public string? Decision { get; set; }
    public string? Reason { get; set; }
    public string? ReasonError { get; private set; }
    public string? Conflict { get; private set; }

    /// <summary>Opens the panel with the decision the data supports, if any, chosen.</summary>
    public void Start(Suggestion suggestion)
    {
        Open = true;
        Decision = ExperimentRules.DecisionFor(suggestion) is { } supported ? ExperimentRules.Of(supported) : null;
        (Reason, ReasonError, Conflict) = (null, null, null);
    }

    public void Close() => Open = false;

    /// <summary>True when the panel may be sent; else says why beside the reason.</summary>
    public bool Ready()
    {
        ReasonError = string.IsNullOrWhiteSpace(Reason) ? "Say why: the decision is recorded in the ledger with it." : null;
        return ReasonError is null;
    }

    /// <summary>Takes the server's answer: closes on success, else shows its field errors or conflict.</summary>
    public void Take<T>(Outcome<T> outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.IsOk)
        {
            Open = false;
            return;
        }

        ReasonError = outcome.Errors?.For("reason") is [var reason, ..] ? reason : null;
        Conflict = outcome.Errors is null ? outcome.Message : outcome.Errors.For("decision") is [var decision, ..] ? decision : null;
    }
}

/// <summary>An experiment's results, live while it runs, and its conclusion by a release manager with a reason.</summary>
public sealed partial class ExperimentPage : IDisposable
{
    private readonly ConcludeModel _conclude = new();
    private ExperimentView? _view;
    private string? _error;
    private bool _mayConclude;
    private bool _saving;
    private IDisposable? _subscription;
    private ThrottledRefresh? _refresh;

    [Parameter]
    public required string Id { get; set; }

    [Inject]
    public required ExperimentService Service { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _mayConclude = await Access.IsAllowedAsync(Policies.PipelineWrite);
        if (_refresh is null)
        {
            _refresh = new ThrottledRefresh(TimeSpan.FromSeconds(3), Clock);
            _subscription = Live.Subscribe(e =>
            {
                if ((e is ExperimentChangedEvent changed && changed.Id == Id)
                    || (e is TelemetryFoldedEvent folded && _view is { Experiment: { State: "running" } x } && (folded.Bundles.Contains(x.ArmA) || folded.Bundles.Contains(x.ArmB))))
                {
                    _refresh.MarkStale();
                }
            });
        }

        await LoadAsync();
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _ = _refresh!.RunAsync(() => InvokeAsync(async () =>
            {
                await LoadAsync();
                StateHasChanged();
            }), DispatchExceptionAsync);
        }
    }

    private async Task LoadAsync()
    {
        try
        {
            _view = await Service.GetAsync(Id, CancellationToken.None);
            _error = _view is null ? $"There is no experiment {Id}." : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
        }
    }

    private void StartConclude()
    {
        if (_view is not null)
        {
            _conclude.Start(_view.Result.Suggestion);
        }
    }

    private async Task ConcludeAsync()
    {
        if (!_conclude.Ready())
        {
            return;
        }

        _saving = true;
        try
        {
            var acting = await Access.ActAsync(Policies.PipelineWrite);
            if (!acting.Allowed)
            {
                _conclude.Take(Outcome<ExperimentView>.Conflict(acting.Refusal));
                return;
            }

            var outcome = await Service.ConcludeAsync(Id, _conclude.Decision, _conclude.Reason, acting.Actor, CancellationToken.None);
            _conclude.Take(outcome);
            if (outcome.Value is { } view)
            {
                _view = view;
                Snackbar.Add($"Experiment {Id} concluded: {_conclude.Decision}. The canary split applies again.", Severity.Success);
            }
        }
        finally
        {
            _saving = false;
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _refresh?.Dispose();
    }
}
