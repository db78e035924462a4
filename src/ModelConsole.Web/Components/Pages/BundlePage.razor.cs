using System.Text.Json;
using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Ledger;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages;

public partial class BundlePage
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    private BundleDetail? _bundle;
    private string? _parentPrompt;
    private string _configPretty = "";
    private List<BreadcrumbItem> _crumbs = [];
    private bool _loading = true;
    private string? _error;

    [Parameter]
    public required string Name { get; set; }

    [Inject]
    public required RegistryService Registry { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _loading = true;
        _crumbs = [new("Bundles", "/bundles"), new(Name, null, disabled: true)];
        try
        {
            _error = null;
            _bundle = await Registry.GetBundleAsync(Name, CancellationToken.None);
            _parentPrompt = null;
            if (_bundle is { Parent: { } parent })
            {
                _parentPrompt = (await Registry.GetPartsAsync(parent, CancellationToken.None))?.Prompt;
            }

            _configPretty = _bundle is null ? "" : JsonSerializer.Serialize(_bundle.Config, Pretty);
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

    /// <summary>The bundle's deploys, ramps and rollbacks between two times, as the charts mark them.</summary>
    private async Task<IReadOnlyList<ChartMarker>> MarkersAsync(DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var records = await Registry.LedgerAsync(new LedgerQuery(Bundle: Name, From: from, To: to, Take: 200), cancellationToken);
        return records.Select(r => Marker(r)).OfType<ChartMarker>().OrderBy(m => m.At).ToList();
    }

    internal static ChartMarker? Marker(LedgerRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var percent = r.Percent is { } p ? $" {p.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} %" : "";
        return r.Action switch
        {
            LedgerActions.Transition => new ChartMarker(r.At, $"→ {r.To}{percent}", false),
            LedgerActions.Ramp => new ChartMarker(r.At, $"ramp{percent}", false),
            LedgerActions.RolledBack => new ChartMarker(r.At, r.Automatic ? "rolled back (rule)" : "rolled back", true),
            LedgerActions.Restored => new ChartMarker(r.At, "restored", false),
            LedgerActions.Deprecated => new ChartMarker(r.At, "deprecated", false),
            _ => null,
        };
    }

    private static string Money(double usd) => usd < 0.01 && usd > 0 ? $"${usd:0.######}" : $"${usd:0.00##}";
}
