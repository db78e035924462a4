using System.Text.Json;
using Microsoft.AspNetCore.Components;
using ModelConsole.Data.Models;
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

    private static string Money(double usd) => usd < 0.01 && usd > 0 ? $"${usd:0.######}" : $"${usd:0.00##}";
}
