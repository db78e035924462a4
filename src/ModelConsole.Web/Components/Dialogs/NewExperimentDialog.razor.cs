using Microsoft.AspNetCore.Components;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Dialogs;

/// <summary>Starts an A/B experiment: the plan previewed live from the values as typed (<see cref="NewExperimentModel"/>), the start through <see cref="ExperimentService"/>.</summary>
public sealed partial class NewExperimentDialog
{
    private readonly NewExperimentModel _model = new();
    private bool _loaded;
    private bool _saving;
    private string? _conflict;

    [CascadingParameter]
    public required IMudDialogInstance Dialog { get; set; }

    /// <summary>The family to start on, when the page was opened for one.</summary>
    [Parameter]
    public string? Family { get; set; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required ExperimentService Experiments { get; init; }

    [Inject]
    public required PlannerService Planner { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    protected override async Task OnInitializedAsync()
    {
        _model.Load(await Registry.ListFamiliesAsync(CancellationToken.None), Family);
        if (_model.Family is { } family)
        {
            await FamilyChangedAsync(family);
        }

        _loaded = true;
    }

    private async Task FamilyChangedAsync(string family)
    {
        _conflict = null;
        _model.ChooseFamily(family, (await Planner.FactsAsync(family, CancellationToken.None))?.RequestsPerDay);
        await MetricChangedAsync(_model.Metric);
    }

    private async Task MetricChangedAsync(string metric)
    {
        if (_model.Family is not { } family)
        {
            return;
        }

        var (baseline, stdDev) = ModelConsole.Core.Metrics.MetricCatalog.TryGet(metric, out var m)
            ? await Experiments.DefaultsAsync(family, m, CancellationToken.None)
            : (null, null);
        _model.ChooseMetric(metric, baseline, stdDev);
    }

    private async Task SubmitAsync()
    {
        _saving = true;
        _conflict = null;
        try
        {
            var acting = await Access.ActAsync(Policies.PipelineWrite);
            if (!acting.Allowed)
            {
                _conflict = acting.Refusal;
                return;
            }

            var outcome = await Experiments.CreateAsync(_model.Draft(), acting.Actor, CancellationToken.None);
            _model.Errors = outcome.Errors;
            if (outcome.Value is { } view)
            {
                Dialog.Close(DialogResult.Ok(view.Experiment.Id));
                return;
            }

            _conflict = outcome.Errors is null ? outcome.Message : null;
        }
        finally
        {
            _saving = false;
        }
    }
}
