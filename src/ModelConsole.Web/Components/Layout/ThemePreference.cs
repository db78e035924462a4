using MudBlazor;

namespace ModelConsole.Web.Components.Layout;

/// <summary>The console's theme and how the light/dark choice is remembered (a cookie, readable while prerendering).</summary>
public static class ThemePreference
{
    public const string CookieName = "mc-theme";

    public static bool IsDark(string? cookie) => string.Equals(cookie, "dark", StringComparison.Ordinal);

    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3557c5",
            Secondary = "#7a4fd6",
            AppbarBackground = "#1f2a44",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8aa4ff",
            Secondary = "#b79cff",
            AppbarBackground = "#151a26",
            Background = "#10131b",
            Surface = "#181d29",
            DrawerBackground = "#141925",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                // System fonts: the console works offline, so no web font is fetched.
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
    };
}
