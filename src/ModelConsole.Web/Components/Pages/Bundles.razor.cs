using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Bundles;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Dialogs;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

/// <summary>The grid's filters and how they become a store query.</summary>
public sealed class BundleFilters
{
    public string? Search { get; set; }
    public string? Family { get; set; }
    public string? Stage { get; set; }
    public string? Provider { get; set; }

    public bool IsEmpty => string.IsNullOrWhiteSpace(Search) && Family is null && Stage is null && Provider is null;

    public BundleQuery ToQuery(int page, int pageSize, string? sortBy, bool descending)
    {
        Stage? stage = Stages.TryParse(Stage, out var s) ? s : null;
        var sort = sortBy switch
        {
            nameof(BundleRow.Name) => "name",
            nameof(BundleRow.Family) => "family",
            nameof(BundleRow.Provider) => "provider",
            nameof(BundleRow.Stage) => "stage",
            _ => BundleQuery.SortNewest,
        };
        return new BundleQuery(Search, Family, stage, Provider, sort, sortBy is null || descending, page * pageSize, pageSize);
    }
}

public partial class Bundles
{
    public const int PageSize = 25;

    private MudDataGrid<BundleRow>? _grid;
    private IReadOnlyList<string> _families = [];
    private IReadOnlyList<string> _providers = [];
    private string? _error;

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [SupplyParameterFromQuery(Name = "family")]
    public string? FamilyQuery { get; set; }

    [SupplyParameterFromQuery(Name = "stage")]
    public string? StageQuery { get; set; }

    public BundleFilters Filters { get; } = new();

    protected override async Task OnInitializedAsync()
    {
        Filters.Family = FamilyQuery;
        Filters.Stage = Stages.TryParse(StageQuery, out var s) ? s.ToWire() : null;
        try
        {
            _families = await Registry.ListFamilyNamesAsync(CancellationToken.None);
            _providers = await Registry.ListProvidersAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
        }
    }

    private async Task<GridData<BundleRow>> LoadAsync(GridState<BundleRow> state, CancellationToken cancellationToken)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        try
        {
            var page = await Registry.QueryBundlesAsync(Filters.ToQuery(state.Page, state.PageSize, sort?.SortBy, sort?.Descending ?? true), cancellationToken);
            _error = null;
            return new GridData<BundleRow> { Items = page.Items, TotalItems = page.Total };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
            return new GridData<BundleRow> { Items = [], TotalItems = 0 };
        }
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private Task OnSearchChangedAsync(string? value)
    {
        Filters.Search = value;
        return ReloadAsync();
    }

    private Task OnFamilyChangedAsync(string? value)
    {
        Filters.Family = value;
        return ReloadAsync();
    }

    private Task OnStageChangedAsync(string? value)
    {
        Filters.Stage = value;
        return ReloadAsync();
    }

    private Task OnProviderChangedAsync(string? value)
    {
        Filters.Provider = value;
        return ReloadAsync();
    }

    private async Task RegisterAsync()
    {
        var name = await RegisterBundleDialog.OpenAsync(Dialogs, Filters.Family);
        if (name is null)
        {
            return;
        }

        Snackbar.Add($"Bundle '{name}' registered in STAGING.", Severity.Success);
        _providers = await Registry.ListProvidersAsync(CancellationToken.None);
        await ReloadAsync();
    }
}
