using System.Globalization;
using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Data.Models;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Components.Dialogs;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

/// <summary>A button of the stage track: what it asks for, and its data-testid prefix (API.md).</summary>
public sealed record PipelineAction(string TestId, string Label, Stage To);

public partial class FamilyPage : IDisposable
{
    private const int MaxPerColumn = 6;
    private FamilySummary? _family;
    private FamilyState? _state;
    private IReadOnlyList<BundleRow> _bundles = [];
    private IReadOnlyList<LedgerRecord> _history = [];
    private IReadOnlyList<Api.SilenceContract> _silences = [];
    private List<BreadcrumbItem> _crumbs = [];
    private bool _loading = true;
    private string? _error;
    private IDisposable? _subscription;

    [Parameter]
    public required string Family { get; set; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required PipelineService Pipeline { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required LiveEvents Events { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required RollbackReadinessService Readiness { get; init; }

    [Inject]
    public required PlannerService Planner { get; init; }

    [Inject]
    public required AlertsService Alerts { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    /// <summary>What the Roll back button would roll back (Core decides), or null when there is nothing to roll back.</summary>
    private string? RollbackTarget => _state is null ? null : PipelineRules.RollbackCandidate(_state)?.Name;

    protected override void OnInitialized() =>
        _subscription = Events.Subscribe(e =>
        {
            if ((e is StageChangedEvent change && change.Family == Family) || (e is ExperimentChangedEvent experiment && experiment.Family == Family)
                || (e is AlertRaisedEvent raised && raised.Alert.Family == Family) || (e is AlertChangedEvent changed && changed.Alert.Family == Family))
            {
                _ = InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
            }
        });

    protected override async Task OnParametersSetAsync()
    {
        _crumbs = [new("Families", "/families"), new(Family, null, disabled: true)];
        await LoadAsync();
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task LoadAsync()
    {
        try
        {
            _error = null;
            _family = await Registry.GetFamilyAsync(Family, CancellationToken.None);
            if (_family is not null)
            {
                _bundles = (await Registry.QueryBundlesAsync(new BundleQuery(Family: Family, Take: BundleQuery.MaxTake), CancellationToken.None)).Items;
                _history = await Registry.RecentFamilyLedgerAsync(Family, 20, CancellationToken.None);
                _state = await Pipeline.StateAsync(Family, CancellationToken.None);
                var now = Clock.GetUtcNow().UtcDateTime;
                _silences = (await Alerts.SilencesAsync(Family, CancellationToken.None) ?? []).Select(x => Api.SilenceContract.From(x, now)).ToList();
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

    /// <summary>The buttons for the moves Core allows from this bundle's stage now.</summary>
    private IEnumerable<PipelineAction> ActionsFor(BundleRow bundle)
    {
        if (_state?.Find(bundle.Name) is not { } state)
        {
            return [];
        }

        return PipelineRules.MovesFrom(_state, state).Select(to => (state.Stage, to) switch
        {
            (Stage.Staging, Stage.Active) => new PipelineAction("promote", "Make active", to), // only a family's first bundle
            (Stage.Staging, _) => new PipelineAction("shadow", "Start shadow", to),
            (Stage.Shadow, _) => new PipelineAction("canary", "Start canary", to),
            (Stage.Canary, Stage.Canary) => new PipelineAction("ramp", "Ramp", to),
            _ => new PipelineAction("promote", "Promote", to),
        });
    }

    private async Task ConfirmAsync(PipelineAction action, BundleRow bundle)
    {
        var state = _state!;
        var seenVersion = state.RoutingVersion;
        var bundleState = state.Find(bundle.Name)!;
        var active = state.InStage(Stage.Active)?.Name;
        var gates = PipelineRules.IsGated(bundleState.Stage, action.To)
            ? PipelineRules.GatesFor(bundleState, await Pipeline.EvidenceAsync(state, CancellationToken.None))
            : [];
        var (title, impact, percentLabel, min, max, initial) = (bundle.Stage, action.To) switch
        {
            ("STAGING", Stage.Shadow) => ($"Start shadowing {bundle.Name}", (IReadOnlyList<string>)[
                $"Mirrors the chosen share of {Family}'s requests to {bundle.Name}; users keep getting {active}'s answers.",
                "Each mirrored request is served twice: the shadow's cost comes on top of the active bill (see the planner).",
            ], "Mirror percent (1–100)", PipelineRules.MinMirrorPercent, PipelineRules.MaxMirrorPercent, (double?)10),
            ("SHADOW", Stage.Canary) => ($"Start canary of {bundle.Name}", [
                $"Sends the chosen share of subjects (sticky by subject) to {bundle.Name} instead of {active}; the shadow stops.",
            ], "Canary percent (1–25)", PipelineRules.MinCanaryPercent, PipelineRules.MaxCanaryPercent, 5),
            ("CANARY", Stage.Canary) => ($"Ramp {bundle.Name}", [
                $"Moves the canary from {bundle.Percent:0.##} % of subjects to the chosen share; subjects already in it stay in it.",
            ], "Canary percent (1–25)", PipelineRules.MinCanaryPercent, PipelineRules.MaxCanaryPercent, Math.Min(25, (bundle.Percent ?? 5) * 2)),
            (_, Stage.Active) when active is null => ($"Make {bundle.Name} active", [
                $"{bundle.Name} serves all of {Family}'s traffic: the family's first ACTIVE bundle.",
            ], null, 0, 0, null),
            _ => ($"Promote {bundle.Name}", [
                $"{bundle.Name} serves all of {Family}'s traffic.",
                $"{active} becomes DEPRECATED and stays the last known good for a rollback.",
            ], (string?)null, 0d, 0d, (double?)null),
        };
        var canary = action.To == Stage.Canary && percentLabel is not null;
        ReadinessInputs? readiness = null;
        PlannerFacts? costs = null;
        if (canary)
        {
            // Readiness and cost inform the decision; when they cannot be read, the dialog still opens without them.
            try
            {
                readiness = await Readiness.InputsAsync(Family, CancellationToken.None);
                costs = await Planner.FactsAsync(Family, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Snackbar.Add($"Rollback readiness and cost could not be read ({ex.Message}); the dialog opens without them.", Severity.Warning);
            }
        }

        var parameters = new DialogParameters<ConfirmPipelineDialog>
        {
            { d => d.Title, title },
            { d => d.ReadinessAt, readiness is null ? null : readiness.At },
            { d => d.CostAt, costs is null ? null : p => CanaryCostText(costs, bundle.Name, p) },
            { d => d.OkText, action.Label },
            { d => d.Impact, impact },
            { d => d.Gates, gates },
            { d => d.MayOverride, await Access.IsAllowedAsync(Policies.PipelineOverride) },
            { d => d.PercentLabel, percentLabel },
            { d => d.PercentMin, min },
            { d => d.PercentMax, max },
            { d => d.InitialPercent, initial },
            { d => d.Submit, c => TransitionAsync(bundle.Name, action.To, c, seenVersion) },
        };
        var dialog = await Dialogs.ShowAsync<ConfirmPipelineDialog>(title, parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            Snackbar.Add($"{bundle.Name}: {action.Label.ToLower(CultureInfo.InvariantCulture)} done.", Severity.Success);
            await LoadAsync();
        }
    }

    /// <summary>The canary's cost change per day at a percent, from the planner's facts, or why it is not known.</summary>
    internal static string CanaryCostText(PlannerFacts facts, string candidate, double percent)
    {
        var candidateCost = facts.Candidates.FirstOrDefault(c => c.Name == candidate)?.CostPerCallUsd;
        if (facts.RequestsPerDay is not { } perDay || candidateCost is not { } cost || facts.ActiveCostPerCallUsd is not { } activeCost)
        {
            return "Cost change per day: known once telemetry reports traffic and both bundles have prices.";
        }

        var estimate = ModelConsole.Core.Costs.CanaryCost.Estimate(new(perDay, percent, 1, cost, activeCost));
        var change = estimate.ChangePerDay;
        return string.Create(CultureInfo.InvariantCulture,
            $"Cost change per day: {(change >= 0 ? "+" : "−")}${Math.Abs(change):N2} ({estimate.CanaryCallsPerDay:N0} calls/day at ${cost:0.######} instead of ${activeCost:0.######}).");
    }

    private async Task<string?> TransitionAsync(string bundle, Stage to, PipelineConfirmation confirmation, long seenVersion)
    {
        // The buttons are hidden from other roles; the decision is still made here, on the server.
        var acting = await Access.ActAsync(Policies.PipelineWrite);
        if (!acting.Allowed)
        {
            return acting.Refusal;
        }

        var mayOverride = (await Access.ActAsync(Policies.PipelineOverride)).Allowed;
        var request = new TransitionRequest(bundle, to,
            Percent: to == Stage.Canary ? confirmation.Percent : null,
            MirrorPercent: to == Stage.Shadow ? confirmation.Percent : null,
            confirmation.Reason, confirmation.Override && mayOverride, seenVersion);
        var outcome = await Pipeline.TransitionAsync(bundle, request, new PipelineActor(acting.Actor, mayOverride), CancellationToken.None);
        return ErrorOf(outcome, $"There is no bundle named '{bundle}'.");
    }

    private async Task RollbackAsync()
    {
        var state = _state!;
        var seenVersion = state.RoutingVersion;
        var target = PipelineRules.RollbackCandidate(state);
        IReadOnlyList<string> impact = target is { Stage: not Stage.Active }
            ? [$"{target.Name} leaves {target.Stage.ToWire()} at once and goes back to STAGING, marked rolled back.", "Routing flips before this dialog closes."]
            : [$"{target?.Name} becomes DEPRECATED, marked rolled back.", $"{state.LastKnownGood?.Name} (the last known good) serves all traffic again."];
        var parameters = new DialogParameters<ConfirmPipelineDialog>
        {
            { d => d.Title, $"Roll back {RollbackTarget}" },
            { d => d.OkText, "Roll back" },
            { d => d.Impact, impact },
            { d => d.Destructive, true },
            { d => d.RequireReason, true },
            { d => d.Submit, c => DoRollbackAsync(c, seenVersion) },
        };
        var dialog = await Dialogs.ShowAsync<ConfirmPipelineDialog>("Roll back", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false })
        {
            Snackbar.Add("Rolled back.", Severity.Success);
            await LoadAsync();
        }
    }

    private async Task<string?> DoRollbackAsync(PipelineConfirmation confirmation, long seenVersion)
    {
        var acting = await Access.ActAsync(Policies.Rollback);
        if (!acting.Allowed)
        {
            return acting.Refusal;
        }

        var outcome = await Pipeline.RollbackAsync(Family, new RollbackRequest(null, confirmation.Reason, seenVersion),
            new PipelineActor(acting.Actor, MayOverride: false), CancellationToken.None);
        return ErrorOf(outcome, $"There is no family named '{Family}'.");
    }

    /// <summary>What to tell the person when the pipeline did not do it; null when it did.</summary>
    private static string? ErrorOf(PipelineOutcome? outcome, string notFound) =>
        outcome is null ? notFound
            : outcome.Decision.Conflict ?? (outcome.Decision.Result is { Succeeded: false } failed ? failed.Message : null);

    private async Task SilenceAsync()
    {
        var parameters = new DialogParameters<SilenceDialog> { { d => d.Family, Family } };
        var dialog = await Dialogs.ShowAsync<SilenceDialog>($"Silence {Family}'s alerts", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: Core.Thresholds.Silence silence })
        {
            Snackbar.Add($"Alerts silenced until {silence.EndsAt:HH:mm} UTC.", Severity.Success);
            await LoadAsync();
        }
    }

    private async Task EndSilenceAsync(long id)
    {
        var acting = await Access.ActAsync(Policies.Rollback);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        var ended = await Alerts.EndSilenceAsync(id, acting.Actor, CancellationToken.None);
        if (!ended.IsOk)
        {
            Snackbar.Add($"Could not end the silence: {ended.Problem}", Severity.Error);
        }

        await LoadAsync();
    }

    private async Task RegisterAsync()
    {
        var name = await RegisterBundleDialog.OpenAsync(Dialogs, Family);
        if (name is not null)
        {
            Snackbar.Add($"Bundle '{name}' registered in STAGING.", Severity.Success);
            await LoadAsync();
        }
    }
}
