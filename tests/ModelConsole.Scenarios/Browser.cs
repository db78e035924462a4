using Microsoft.Playwright;

namespace ModelConsole.Scenarios;

/// <summary>The scenarios' Chromium (Debian's, headless, offline flags) and the demo on-call user's sign-in.</summary>
public static class Browser
{
    /// <summary>Launches the system Chromium (<c>MODELCONSOLE_CHROMIUM</c>, else /usr/bin/chromium).</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params string[] extraArgs)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("MODELCONSOLE_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", .. extraArgs],
        });
    }

    /// <summary>Signs <paramref name="page"/> in as a demo user (password shown on the sign-in page in demo mode).</summary>
    public static async Task SignInAsync(IPage page, string user = "oncall")
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/sign-in");
        await page.GetByTestId("signin-username").Locator("input").FillAsync(user);
        await page.GetByTestId("signin-password").Locator("input").FillAsync(user + "-demo-pass");
        await page.GetByTestId("signin-submit").ClickAsync();
        await page.GetByTestId("user-name").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }
}
