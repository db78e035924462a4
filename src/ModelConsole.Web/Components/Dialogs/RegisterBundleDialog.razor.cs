using Microsoft.AspNetCore.Components;
using ModelConsole.Data.Models;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Dialogs;

public partial class RegisterBundleDialog
{
    private IReadOnlyList<string> _families = [];
    private IReadOnlyList<BundleRow> _parents = [];
    private string? _loadError;
    private string? _serverMessage;
    private bool _saving;

    [CascadingParameter]
    public required IMudDialogInstance Dialog { get; set; }

    /// <summary>The family to start in, when the dialog was opened from one.</summary>
    [Parameter]
    public string? InitialFamily { get; set; }

    [Inject]
    public required RegistryService Registry { get; init; }

    [Inject]
    public required Auth.UserAccess Access { get; init; }

    public RegisterBundleForm Form { get; } = new();

    /// <summary>Opens the dialog and returns the registered bundle's name, or null when cancelled.</summary>
    public static async Task<string?> OpenAsync(IDialogService dialogs, string? family)
    {
        var parameters = new DialogParameters<RegisterBundleDialog> { { d => d.InitialFamily, family } };
        var dialog = await dialogs.ShowAsync<RegisterBundleDialog>("Register bundle", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true, BackdropClick = false });
        var result = await dialog.Result;
        return result is { Canceled: false, Data: string name } ? name : null;
    }

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _families = await Registry.ListFamilyNamesAsync(CancellationToken.None);
            if (InitialFamily is not null && _families.Contains(InitialFamily))
            {
                await OnFamilyChangedAsync(InitialFamily);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = $"Could not load the families: {ex.Message}";
        }

        Form.Validate();
    }

    private void Set(string field, Action assign)
    {
        assign();
        Form.Touch(field);
    }

    private async Task OnFamilyChangedAsync(string? family)
    {
        Form.Family = family;
        Form.Touch("family");
        _parents = family is null
            ? []
            : (await Registry.QueryBundlesAsync(new BundleQuery(Family: family, Take: BundleQuery.MaxTake), CancellationToken.None)).Items;
        var latest = _parents.Count > 0 ? _parents[0] : null;
        await OnParentChangedAsync(latest?.Name);
    }

    private async Task OnParentChangedAsync(string? parent)
    {
        var parts = parent is null ? null : await Registry.GetPartsAsync(parent, CancellationToken.None);
        Form.UseParent(parts);
        if (parent is null)
        {
            Form.Parent = null;
        }
    }

    private async Task SubmitAsync()
    {
        Form.Submitted = true;
        Form.Validate();
        _serverMessage = null;
        if (!Form.CanSubmit)
        {
            return;
        }

        _saving = true;
        try
        {
            // The button is hidden from other roles; the decision is still made here, on the server.
            var acting = await Access.ActAsync(Auth.Policies.RegistryWrite);
            if (!acting.Allowed)
            {
                _serverMessage = acting.Refusal;
                return;
            }

            var draft = Form.ToDraft(new());
            var result = await Registry.RegisterAsync(draft, acting.Actor, CancellationToken.None);
            if (result.Value is { } bundle)
            {
                Dialog.Close(DialogResult.Ok(bundle.Name));
                return;
            }

            Form.ApplyServer(result.Errors, result.Conflict);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _serverMessage = $"The bundle was not registered: {ex.Message}";
        }
        finally
        {
            _saving = false;
        }
    }

    private void Cancel() => Dialog.Cancel();
}
