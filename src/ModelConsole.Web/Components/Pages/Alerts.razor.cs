using System.Globalization;
using Microsoft.AspNetCore.Components;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

/// <summary>
/// The Alerts page's filters as the address carries them (<c>?state=&amp;family=&amp;id=</c>), so a link from a toast,
/// a banner or a webhook opens the same view; a bad value opens the default view with a message, never an error page.
/// </summary>
public sealed record AlertsView(string State, string? Family, long? Highlight, string? Problem)
{
    /// <summary>Alerts per page; older ones are a click away (each page one bounded read).</summary>
    public const int PageSize = 200;

    /// <summary>The state filters, with the words a person reads.</summary>
    public static readonly IReadOnlyList<(string Value, string Label)> StateFilters =
        [("open", "open"), ("firing", "firing"), ("acknowledged", "acknowledged"), ("resolved", "resolved"), ("all", "all")];

    /// <summary>The view the query asks for.</summary>
    public static AlertsView From(string? state, string? family, string? id)
    {
        var problems = new List<string>();
        var s = state ?? "open";
        if (!StateFilters.Any(f => f.Value == s))
        {
            problems.Add($"'{state}' is not a state to filter by (open, firing, acknowledged, resolved or all)");
            s = "open";
        }

        long? highlight = null;
        if (id is not null)
        {
            if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
            {
                highlight = parsed;
            }
            else
            {
                problems.Add($"'{id}' is not an alert id");
            }
        }

        return new AlertsView(s, string.IsNullOrWhiteSpace(family) ? null : family.Trim(), highlight,
            problems.Count == 0 ? null : string.Join("; ", problems) + ": showing the open alerts.");
    }

    /// <summary>The address of this view.</summary>
    public string Address()
    {
        var query = new List<string>();
        if (State != "open")
        {
            query.Add("state=" + State);
        }

        if (Family is not null)
        {
            query.Add("family=" + Uri.EscapeDataString(Family));
        }

        return query.Count == 0 ? "/alerts" : "/alerts?" + string.Join("&", query);
    }

    /// <summary>The state the store filters by (null for all).</summary>
    public string? StoreState => State == "all" ? null : State;

    /// <summary>What a rule does, in words.</summary>
    public static string ActionWords(string action) => action == "rollback" ? "rolls back" : "alerts";

    /// <summary>How the alert stands: who saw it, how it ended and how long it lasted.</summary>
    public static string Outcome(AlertRecord a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var parts = new List<string>();
        if (a.AcknowledgedBy is { } by)
        {
            parts.Add($"seen by {by}" + (a.AcknowledgedAt is { } at ? $" at {at:HH:mm:ss}" : ""));
        }

        if (a.ResolvedAt is { } resolved)
        {
            var how = a.Resolution switch
            {
                "healthy" => "recovered (healthy evaluations)",
                "rolledBack" => a.RollbackElapsedMs is { } ms ? $"rolled back in {ms:N0} ms" : "ended by a rollback",
                "manual" => "resolved by hand" + (a.ResolvedBy is { } who ? $" by {who}" : ""),
                _ => "resolved",
            };
            parts.Add($"{how} at {resolved:HH:mm:ss} UTC, after {Duration(resolved - a.RaisedAt)}");
        }

        return string.Join(" · ", parts);
    }

    /// <summary>A duration as a person reads it: "45 s", "12 min", "3 h 5 min", "2 d 4 h".</summary>
    public static string Duration(TimeSpan span) => span switch
    {
        { TotalSeconds: < 0 } => "0 s",
        { TotalMinutes: < 1 } => $"{span.TotalSeconds:0} s",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes} min",
        { TotalDays: < 1 } => $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };
}

public partial class Alerts : IDisposable
{
    private IReadOnlyList<AlertRecord>? _alerts;
    private IReadOnlyList<string> _families = [];
    private AlertsView _view = AlertsView.From(null, null, null);
    private readonly PageCursor _cursor = new(AlertsView.PageSize);
    private string? _error;
    private bool _mayAct;
    private long? _resolving;
    private string? _reason;
    private string? _reasonError;
    private IDisposable? _subscription;

    [SupplyParameterFromQuery(Name = "state")]
    public string? StateQuery { get; set; }

    [SupplyParameterFromQuery(Name = "family")]
    public string? FamilyQuery { get; set; }

    [SupplyParameterFromQuery(Name = "id")]
    public string? IdQuery { get; set; }

    [Inject]
    public required AlertsService Alerting { get; init; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required LiveEvents Live { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override async Task OnInitializedAsync()
    {
        _mayAct = await Access.IsAllowedAsync(Policies.Rollback);
        _families = await Registry.ListFamilyNamesAsync(CancellationToken.None);
        _subscription = Live.Subscribe(e =>
        {
            if (e is AlertRaisedEvent or AlertChangedEvent)
            {
                _ = InvokeAsync(async () =>
                {
                    await LoadAsync();
                    StateHasChanged();
                });
            }
        });
    }

    protected override async Task OnParametersSetAsync()
    {
        _view = AlertsView.From(StateQuery, FamilyQuery, IdQuery);
        _cursor.Reset();
        await LoadAsync();
        if (_view.Highlight is { } id && _alerts is not null && _alerts.All(a => a.Id != id))
        {
            // A link to an alert older than the newest page opens the page it starts.
            _cursor.StartAt(id);
            await LoadAsync();
            if (_alerts is not null && _alerts.All(a => a.Id != id))
            {
                _cursor.Reset();
                await LoadAsync();
            }
        }
    }

    private async Task LoadAsync()
    {
        try
        {
            var generation = _cursor.Generation;
            var listed = await Alerting.ListAsync(_view.StoreState, _cursor.Take, CancellationToken.None, _view.Family, _cursor.Before);
            if (generation != _cursor.Generation)
            {
                return; // the cursor moved while this read ran: the newer read shows its page
            }

            _alerts = listed.IsOk ? _cursor.Page(listed.Value!, a => a.Id) : null;
            _error = listed.IsOk ? null : listed.Problem;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
            _alerts = null;
        }
    }

    private void StateChanged(string? state) => Navigation.NavigateTo((_view with { State = state ?? "open" }).Address());

    private void FamilyChanged(string? family) => Navigation.NavigateTo((_view with { Family = family }).Address());

    private async Task AcknowledgeAsync(AlertRecord alert)
    {
        var acting = await Access.ActAsync(Policies.Rollback);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        await Alerting.AcknowledgeAsync(alert.Id, acting.Actor, CancellationToken.None);
        await LoadAsync();
    }

    private void StartResolve(AlertRecord alert)
    {
        _resolving = alert.Id;
        _reason = null;
        _reasonError = null;
    }

    private async Task ResolveAsync(AlertRecord alert)
    {
        var acting = await Access.ActAsync(Policies.Rollback);
        if (!acting.Allowed)
        {
            _reasonError = acting.Refusal;
            return;
        }

        if (string.IsNullOrWhiteSpace(_reason))
        {
            _reasonError = "Say why, for the next person on call.";
            return;
        }

        var resolved = await Alerting.ResolveByHandAsync(alert.Id, _reason, acting.Actor, CancellationToken.None);
        if (!resolved.IsOk)
        {
            _reasonError = resolved.Problem;
            return;
        }

        Snackbar.Add($"Alert {alert.Id} resolved.", Severity.Success);
        _resolving = null;
        await LoadAsync();
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        GC.SuppressFinalize(this);
    }
}
