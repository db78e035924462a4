using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

[Collection(ConsoleCollection.Name)]
public class ThemeTourTests(ConsoleServer server) : BrowserTest(server)
{
    /// <summary>Every page, in the dark theme, as an admin: each renders without a console or page error.</summary>
    [Fact]
    public Task EveryPage_RendersInTheDarkTheme_WithoutErrors() => RunAsync(nameof(EveryPage_RendersInTheDarkTheme_WithoutErrors), async page =>
    {
        (string Path, string Ready, string Shot)[] pages =
        [
            ("/", "family-row-support-agent", "dark-overview.png"),
            ("/families/support-agent", "stage-track", "dark-family.png"),
            ("/bundles/sql-copilot-v2", "prompt-diff", "dark-bundle.png"),
            ("/audit", "audit-table", "dark-audit.png"),
            ("/planner", "planner-per-arm", "dark-planner.png"),
            ("/compare?family=summarizer", "compare-table", "dark-compare.png"),
            ("/admin/users", "user-row-admin", "dark-users.png"),
            ("/admin/keys", "new-key-submit", "dark-keys.png"),
            ("/demo", "demo-start", "dark-demo.png"),
            ("/alerts", "alert-badge", "dark-alerts.png"),
            ("/families/support-agent/rules", "readiness-panel", "dark-rules.png"),
            ("/experiments", "experiment-new", "dark-experiments.png"),
            ("/intake", "intake-page", "dark-intake.png"),
        ];
        foreach (var (path, ready, shot) in pages)
        {
            await OpenAsync(page, path);
            await Expect(page.GetByTestId(ready)).ToBeVisibleAsync();
            await ScreenshotAsync(page, shot);
        }

        await OpenAsync(page, "/families/support-agent");
        await page.GetByTestId("ramp-support-agent-v11").ClickAsync();
        await Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "dark-confirm.png");
        await page.Keyboard.PressAsync("Escape");
    }, user: "admin", darkTheme: true);
}
