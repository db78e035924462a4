using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Components.Layout;

public partial class MainLayout
{
    private bool _drawerOpen = true;
    private bool _isDark;

    [CascadingParameter(Name = "InitialDarkMode")]
    public bool InitialDarkMode { get; set; }

    [Inject]
    public required Readiness Readiness { get; init; }

    [Inject]
    public required IJSRuntime Js { get; init; }

    protected override void OnInitialized() => _isDark = InitialDarkMode;

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private static string RolesOf(System.Security.Claims.ClaimsPrincipal user)
    {
        var roles = Auth.Roles.All.Where(user.IsInRole).ToList();
        return roles.Count == 0 ? "no role" : string.Join(", ", roles);
    }

    private async Task ToggleThemeAsync()
    {
        _isDark = !_isDark;
        await Js.InvokeVoidAsync("modelConsole.setTheme", _isDark ? "dark" : "light");
    }
}
