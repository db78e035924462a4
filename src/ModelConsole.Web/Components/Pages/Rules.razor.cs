using System.Globalization;
using Microsoft.AspNetCore.Components;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

/// <summary>
/// A family's rules with each rule's latest verdict per judged bundle (live), editing for release managers (through
/// <see cref="RulesService"/>, version-checked, every field's error named, nothing saved on a bad value), rollback
/// readiness following the rules as edited, and baseline capture.
/// </summary>
public sealed partial class Rules : IDisposable
{
    private readonly RulesModel _model = new();
    private bool _loaded;
    private bool _mayEdit;
    private bool _saving;
    private string? _error;
    private FamilyEvaluatedEvent? _latest;
    private IDisposable? _subscription;
    private ReadinessInputs? _readiness;
    private IReadOnlyList<string> _captureTargets = [];
    private bool _capturing;

    [Parameter]
    public required string Family { get; set; }

    [Inject]
    public required RulesService RulesService { get; init; }

    [Inject]
    public required EvaluationService Evaluation { get; init; }

    [Inject]
    public required RollbackReadinessService ReadinessService { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required RoutingSnapshot Routing { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _mayEdit = await Access.IsAllowedAsync(Policies.PipelineWrite);
        _subscription ??= Live.Subscribe(e =>
        {
            if (e is FamilyEvaluatedEvent evaluated && evaluated.Family == Family)
            {
                _ = InvokeAsync(() =>
                {
                    _latest = evaluated;
                    StateHasChanged();
                });
            }
        });
        _latest = Evaluation.Latest(Family);
        await LoadAsync();
    }

    public void Dispose() => _subscription?.Dispose();

    private async Task LoadAsync()
    {
        var rules = await RulesService.GetAsync(Family, CancellationToken.None);
        if (rules is null)
        {
            _error = $"There is no family named '{Family}'.";
            return;
        }

        _model.Load(rules);
        _loaded = true;
        await LoadReadinessAsync();
    }

    private async Task LoadReadinessAsync()
    {
        _readiness = await ReadinessService.InputsAsync(Family, CancellationToken.None);
        _model.StartAt(_readiness?.CanaryPercent);
        // Only the active bundle: a candidate is judged against it, and its own calls must not become its yardstick.
        _captureTargets = Routing.Current.Families.GetValueOrDefault(Family)?.Active is { } active ? [active] : [];
    }

    private IEnumerable<BundleVerdict> Verdicts(long? ruleId) =>
        ruleId is { } id && _latest is { } latest ? latest.Verdicts.Where(v => v.Verdict.Rule.Id == id) : [];

    /// <summary>"2, z" for the error key "[1].z": rules are numbered from 1 on the page.</summary>
    private static string RuleLabel(string key)
    {
        var close = key.IndexOf(']', StringComparison.Ordinal);
        return key.StartsWith('[') && close > 1 && int.TryParse(key.AsSpan(1, close - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var i)
            ? $"{i + 1}{(close + 2 < key.Length ? ", " + key[(close + 2)..] : "")}"
            : key;
    }

    private async Task CaptureAsync(string bundle)
    {
        var acting = await Access.ActAsync(Policies.PipelineWrite);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _capturing = true;
        try
        {
            var outcome = await ReadinessService.CaptureAsync(bundle, acting.Actor, CancellationToken.None);
            if (outcome.IsOk)
            {
                Snackbar.Add($"Captured {bundle}'s baseline from {outcome.Value!.Samples:N0} calls.", Severity.Success);
                await LoadReadinessAsync();
                _ = Evaluation.TriggerAsync(Family, CancellationToken.None);
            }
            else
            {
                Snackbar.Add(outcome.Problem!, Severity.Warning);
            }
        }
        finally
        {
            _capturing = false;
        }
    }

    private async Task SaveAsync()
    {
        if (_model.Drafts() is not { } drafts)
        {
            return;
        }

        // The save button shows what the page knew; whether this person may still change rules is decided now.
        var acting = await Access.ActAsync(Policies.PipelineWrite);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _saving = true;
        try
        {
            var saved = await RulesService.ReplaceAsync(Family, drafts, _model.Version, acting.Actor, CancellationToken.None, RulesModel.Prefix);
            switch (saved.Status)
            {
                case Core.Validation.OutcomeStatus.Ok:
                    _model.Saved(null, saved.Value);
                    await LoadReadinessAsync();
                    Snackbar.Add("Rules saved; they are being evaluated now.", Severity.Success);
                    break;
                case Core.Validation.OutcomeStatus.Invalid:
                    _model.Saved(saved.Errors, null);
                    break;
                case Core.Validation.OutcomeStatus.Stale:
                    Snackbar.Add("Someone changed these rules meanwhile: they are shown again as they are now.", Severity.Warning);
                    await LoadAsync();
                    break;
                default:
                    Snackbar.Add(saved.Problem!, Severity.Error);
                    break;
            }
        }
        finally
        {
            _saving = false;
        }
    }

    /// <summary>The offer to a family without a sequential rule: the default one added beside its rules, ledgered.</summary>
    private async Task AddSequentialAsync()
    {
        if (_model.IsDirty)
        {
            Snackbar.Add("Save or discard your changes first: adding the rule saves the rules as stored.", Severity.Warning);
            return;
        }

        var acting = await Access.ActAsync(Policies.PipelineWrite);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        _saving = true;
        try
        {
            var added = await RulesService.AddDefaultSequentialAsync(Family, _model.Version, acting.Actor, CancellationToken.None);
            if (added.IsOk)
            {
                _model.Saved(null, added.Value);
                await LoadReadinessAsync();
                Snackbar.Add("Added the default sequential rule; it is being evaluated now.", Severity.Success);
            }
            else
            {
                Snackbar.Add(added.Problem ?? "The rules changed meanwhile: they are shown again as they are now.", Severity.Warning);
                await LoadAsync();
            }
        }
        finally
        {
            _saving = false;
        }
    }
}
