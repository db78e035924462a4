using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages.Admin;

public partial class Keys
{
    private IReadOnlyList<ApiKeyRecord>? _keys;
    private CreatedApiKey? _created;
    private string? _name;
    private readonly HashSet<string> _scopes = [];
    private bool _unlimited;
    private ValidationErrors? _errors;

    [Inject]
    public required AdminService Admin { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    protected override async Task OnInitializedAsync() => _keys = await Admin.ListKeysAsync(CancellationToken.None);

    private async Task CreateAsync()
    {
        var acting = await Access.ActAsync(Policies.Admin);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        var result = await Admin.CreateKeyAsync(_name?.Trim(), [.. Scopes.All.Where(_scopes.Contains)], _unlimited, acting.Actor, CancellationToken.None);
        _errors = result.Errors;
        if (result.Conflict is not null)
        {
            _errors.Add("name", result.Conflict);
        }

        if (result.Value is { } created)
        {
            _created = created;
            _name = null;
            _scopes.Clear();
            _unlimited = false;
            _keys = await Admin.ListKeysAsync(CancellationToken.None);
        }
    }

    private async Task RevokeAsync(ApiKeyRecord key)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Revoke key",
            $"Callers using '{key.Name}' get 401 from the next request on. This cannot be undone.", yesText: "Revoke", cancelText: "Cancel");
        if (confirmed != true)
        {
            return;
        }

        var acting = await Access.ActAsync(Policies.Admin);
        if (!acting.Allowed)
        {
            Snackbar.Add(acting.Refusal, Severity.Error);
            return;
        }

        await Admin.RevokeKeyAsync(key.Id, acting.Actor, CancellationToken.None);
        Snackbar.Add($"Key '{key.Name}' revoked.", Severity.Success);
        _keys = await Admin.ListKeysAsync(CancellationToken.None);
    }
}
