using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>
/// axe-core on every page in both themes (and on the sign-in page and an open dialog): no critical or serious
/// violation — landmarks, labelled inputs, names of buttons and links, contrast.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class AccessibilityTests(ConsoleServer server) : BrowserTest(server)
{
    private static readonly (string Path, string Ready)[] Pages =
    [
        ("/", "family-row-support-agent"),
        ("/families", "family-row-support-agent"),
        ("/families/support-agent", "stage-track"),
        ("/families/support-agent/rules", "readiness-panel"),
        ("/bundles", "bundles-grid"),
        ("/bundles/sql-copilot-v2", "prompt-diff"),
        ("/compare?family=summarizer", "compare-table"),
        ("/planner", "planner-per-arm"),
        ("/experiments", "experiment-new"),
        ("/alerts", "alert-badge"),
        ("/audit", "audit-table"),
        ("/intake", "intake-page"),
        ("/admin/users", "user-row-admin"),
        ("/admin/keys", "new-key-submit"),
        ("/demo", "demo-start"),
    ];

    private static async Task<IReadOnlyList<string>> SeriousViolationsAsync(Microsoft.Playwright.IPage page, string where)
    {
        var result = await page.RunAxe();
        return result.Violations
            .Where(v => v.Impact is "critical" or "serious")
            .Select(v => $"{where}: {v.Id} ({v.Impact}) {v.Help} — {string.Join(" | ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))}")
            .ToList();
    }

    private static async Task TourAsync(Microsoft.Playwright.IPage page, string theme)
    {
        var problems = new List<string>();
        foreach (var (path, ready) in Pages)
        {
            await OpenAsync(page, path);
            await Expect(page.GetByTestId(ready).First).ToBeVisibleAsync();
            problems.AddRange(await SeriousViolationsAsync(page, $"{theme} {path}"));
        }

        // A dialog open over a page.
        await OpenAsync(page, "/families/support-agent");
        await page.GetByTestId("ramp-support-agent-v11").ClickAsync();
        await Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        problems.AddRange(await SeriousViolationsAsync(page, $"{theme} ramp dialog"));
        await page.Keyboard.PressAsync("Escape");

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public Task EveryPage_InTheLightTheme_HasNoSeriousViolation() =>
        RunAsync(nameof(EveryPage_InTheLightTheme_HasNoSeriousViolation), page => TourAsync(page, "light"), user: "admin");

    [Fact]
    public Task EveryPage_InTheDarkTheme_HasNoSeriousViolation() =>
        RunAsync(nameof(EveryPage_InTheDarkTheme_HasNoSeriousViolation), page => TourAsync(page, "dark"), user: "admin", darkTheme: true);

    [Fact]
    public Task TheSignInPage_HasNoSeriousViolation() => RunAsync(nameof(TheSignInPage_HasNoSeriousViolation), async page =>
    {
        await page.GotoAsync("/sign-in");
        await Expect(page.GetByTestId("signin-submit")).ToBeVisibleAsync();
        var problems = await SeriousViolationsAsync(page, "/sign-in");
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }, user: null);
}
