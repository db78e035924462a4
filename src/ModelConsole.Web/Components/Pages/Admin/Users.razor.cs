using Microsoft.AspNetCore.Components;
using ModelConsole.Core.Validation;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using MudBlazor;

namespace ModelConsole.Web.Components.Pages.Admin;

public partial class Users
{
    private IReadOnlyList<UserRecord>? _users;
    private UserRecord? _selected;
    private string? _error;
    private string? _newName;
    private string? _newPassword;
    private readonly HashSet<string> _newRoles = [];
    private HashSet<string> _editRoles = [];
    private string? _resetPassword;
    private ValidationErrors? _createErrors;
    private ValidationErrors? _editErrors;

    [Inject]
    public required AdminService Admin { get; init; }

    [Inject]
    public required UserAccess Access { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            _users = await Admin.ListUsersAsync(CancellationToken.None);
            _selected = _selected is null ? null : _users.FirstOrDefault(u => u.Id == _selected.Id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _error = ex.Message;
        }
    }

    private void Select(UserRecord user)
    {
        _selected = user;
        _editRoles = [.. user.Roles];
        _resetPassword = null;
        _editErrors = null;
    }

    private async Task<string?> ActorIfAdminAsync()
    {
        var acting = await Access.ActAsync(Policies.Admin);
        if (acting.Allowed)
        {
            return acting.Actor;
        }

        Snackbar.Add(acting.Refusal, Severity.Error);
        return null;
    }

    private async Task CreateAsync()
    {
        if (await ActorIfAdminAsync() is not { } actor)
        {
            return;
        }

        var result = await Admin.CreateUserAsync(_newName, _newPassword, [.. _newRoles], actor, CancellationToken.None);
        _createErrors = result.Errors;
        if (result.Conflict is not null)
        {
            _createErrors.Add("userName", result.Conflict);
        }

        if (result.Value is { } user)
        {
            Snackbar.Add($"User '{user.UserName}' created.", Severity.Success);
            _newName = _newPassword = null;
            _newRoles.Clear();
            await LoadAsync();
        }
    }

    private async Task SaveRolesAsync()
    {
        if (_selected is null || await ActorIfAdminAsync() is not { } actor)
        {
            return;
        }

        var result = await Admin.SetRolesAsync(_selected.Id, [.. _editRoles], actor, CancellationToken.None);
        Report(result, $"Roles of '{_selected.UserName}' saved.");
        await LoadAsync();
    }

    private async Task ResetPasswordAsync()
    {
        if (_selected is null || await ActorIfAdminAsync() is not { } actor)
        {
            return;
        }

        var result = await Admin.ResetPasswordAsync(_selected.Id, _resetPassword, actor, CancellationToken.None);
        _editErrors = result.Errors;
        Report(result, $"Password of '{_selected.UserName}' reset.");
        _resetPassword = null;
        await LoadAsync();
    }

    private async Task ToggleDisabledAsync()
    {
        if (_selected is not { } user)
        {
            return;
        }

        var disable = !user.Disabled;
        if (disable)
        {
            var confirmed = await Dialogs.ShowMessageBoxAsync("Disable user",
                $"'{user.UserName}' will not be able to sign in; open pages can change nothing from now on and go to sign-in within a minute.", yesText: "Disable", cancelText: "Cancel");
            if (confirmed != true)
            {
                return;
            }
        }

        if (await ActorIfAdminAsync() is not { } actor)
        {
            return;
        }

        Report(await Admin.SetDisabledAsync(user.Id, disable, actor, CancellationToken.None), disable ? $"'{user.UserName}' disabled." : $"'{user.UserName}' enabled.");
        await LoadAsync();
    }

    private void Report(CommandResult<UserRecord> result, string success)
    {
        if (result.Succeeded)
        {
            Snackbar.Add(success, Severity.Success);
        }
        else
        {
            Snackbar.Add(result.Conflict ?? string.Join(" ", result.Errors.ToDictionary().SelectMany(e => e.Value)), Severity.Error);
        }
    }
}
