using MudBlazor;

namespace ModelConsole.Web.Components.Layout;

/// <summary>The console's theme and how the light/dark choice is remembered (a cookie, readable while prerendering).</summary>
public static class ThemePreference
{
    public const string CookieName = "mc-theme";

    public static bool IsDark(string? cookie) => string.Equals(cookie, "dark", StringComparison.Ordinal);

    public static readonly MudTheme Theme = new()
    {
        // Every colour reads at 4.5:1 or better (WCAG AA) as text on the page and with its contrast text on it, in
        // both themes: MudBlazor's default status colours (#00c853, #ff9800, #2196f3, #f44336) do not with white.
        PaletteLight = new PaletteLight
        {
            Primary = "#3557c5",
            Secondary = "#6a3fc6",
            Tertiary = "#00796b",
            Info = "#1565c0",
            Success = "#2e7d32",
            Warning = "#9a5200",
            Error = "#c62828",
            AppbarBackground = "#1f2a44",
            Background = "#f6f7fb",
            DrawerBackground = "#ffffff",
            TextSecondary = "rgba(0,0,0,0.66)",
            TextDisabled = "rgba(0,0,0,0.50)",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8aa4ff",
            PrimaryContrastText = "#0d1020",
            Secondary = "#b79cff",
            SecondaryContrastText = "#0d1020",
            Tertiary = "#4fd1c5",
            TertiaryContrastText = "#0d1020",
            Info = "#64b5f6",
            InfoContrastText = "#0d1020",
            Success = "#66bb6a",
            SuccessContrastText = "#0d1020",
            Warning = "#ffb74d",
            WarningContrastText = "#0d1020",
            Error = "#ff8a80",
            ErrorContrastText = "#0d1020",
            AppbarBackground = "#151a26",
            Background = "#10131b",
            Surface = "#181d29",
            DrawerBackground = "#141925",
            TextSecondary = "rgba(255,255,255,0.70)",
            TextDisabled = "rgba(255,255,255,0.50)",
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
