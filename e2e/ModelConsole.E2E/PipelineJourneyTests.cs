using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

[Collection(ConsoleCollection.Name)]
public class PipelineJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    private const string Family = "sql-copilot";
    private const string Candidate = "sql-copilot-v2";

    private static async Task ConfirmAsync(IPage page, string buttonTestId, double? percent = null, bool overrideGates = false, string? reason = null, Func<Task>? inDialog = null)
    {
        await page.GetByTestId(buttonTestId).ClickAsync();
        var dialog = page.GetByTestId("confirm-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        if (percent is { } p)
        {
            await page.GetByTestId("confirm-percent").Locator("input").FillAsync(p.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (overrideGates)
        {
            await Expect(page.GetByTestId("confirm-gates")).ToContainTextAsync("No samples yet");
            await page.GetByTestId("confirm-override").Locator("input").CheckAsync();
        }

        if (reason is not null)
        {
            await page.GetByTestId("confirm-reason").Locator("textarea").FillAsync(reason);
        }

        if (inDialog is not null)
        {
            await inDialog();
        }

        await page.GetByTestId("confirm-ok").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
    }

    [Fact]
    public Task ReleaseManagerRampsAndPromotes_AnotherPageSeesItLive_OnCallRollsBack_TheLedgerShowsWho() => RunAsync(nameof(ReleaseManagerRampsAndPromotes_AnotherPageSeesItLive_OnCallRollsBack_TheLedgerShowsWho), async page =>
    {
        // A second person watching the same family, signed in as on-call.
        await using var watcherContext = await Server.Browser.NewContextAsync(new() { BaseURL = Server.BaseUrl, ViewportSize = new() { Width = 1440, Height = 900 } });
        var watcher = await watcherContext.NewPageAsync();
        await SignInAsync(watcher, "oncall");
        await OpenAsync(watcher, $"/families/{Family}");
        await Expect(watcher.GetByTestId($"stage-{Candidate}")).ToHaveTextAsync("STAGING");

        await OpenAsync(page, $"/families/{Family}");
        await ConfirmAsync(page, $"shadow-{Candidate}", percent: 10);
        await Expect(watcher.GetByTestId($"stage-{Candidate}")).ToHaveTextAsync("SHADOW 10%");

        await ConfirmAsync(page, $"canary-{Candidate}", percent: 5, overrideGates: true, reason: "offline eval on 2,500 questions is conclusive", inDialog: async () =>
        {
            // No traffic yet: the dialog warns that a breach would go unseen, and says why per rollback rule.
            await Expect(page.GetByTestId("confirm-readiness-warning")).ToContainTextAsync("At 5 % a breach could go unseen for more than 60 s");
            await Expect(page.GetByTestId("confirm-readiness")).ToContainTextAsync("errorRate rollback: at 5 % of 0 calls/min");
            await Expect(page.GetByTestId("confirm-cost")).ToContainTextAsync("Cost change per day");
            await ScreenshotAsync(page, "canary-readiness.png");
        });
        await Expect(watcher.GetByTestId($"stage-{Candidate}")).ToHaveTextAsync("CANARY 5%");
        await ScreenshotAsync(page, "pipeline-canary.png");

        await ConfirmAsync(page, $"ramp-{Candidate}", percent: 20);
        await Expect(watcher.GetByTestId($"stage-{Candidate}")).ToHaveTextAsync("CANARY 20%");

        await ConfirmAsync(page, $"promote-{Candidate}", overrideGates: true, reason: "canary clean for a day");
        await Expect(watcher.GetByTestId($"stage-{Candidate}")).ToHaveTextAsync("ACTIVE");
        await Expect(watcher.GetByTestId("stage-sql-copilot-v1")).ToHaveTextAsync("DEPRECATED");

        // On-call sees trouble and rolls the new ACTIVE back to the last known good.
        await ConfirmAsync(watcher, $"rollback-{Family}", reason: "SQL errors doubled");
        await Expect(page.GetByTestId("stage-sql-copilot-v1")).ToHaveTextAsync("ACTIVE");
        await Expect(page.GetByTestId($"stage-{Candidate}")).ToContainTextAsync("DEPRECATED");

        var route = await page.Context.APIRequest.GetAsync($"/api/v1/families/{Family}/route?subject=user-42");
        Assert.Contains("\"bundle\":\"sql-copilot-v1\"", await route.TextAsync());

        await page.GetByTestId("family-audit-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/audit\\?family={Family}$"));
        var table = page.GetByTestId("audit-table");
        await Expect(table.Locator("tr", new() { HasText = "summarizer" })).ToHaveCountAsync(0); // the filter took effect
        await Expect(table.Locator("tr", new() { HasText = "ramp" })).ToContainTextAsync("release");
        await Expect(table.Locator("tr", new() { HasText = "CANARY → ACTIVE" }).Filter(new() { HasText = Candidate })).ToContainTextAsync("release");
        await Expect(table.Locator("tr", new() { HasText = "rolled-back" })).ToContainTextAsync("oncall");
        await ScreenshotAsync(page, "audit.png");
    }, user: "release");

    [Fact]
    public Task Finance_SeesNoPipelineActions() => RunAsync(nameof(Finance_SeesNoPipelineActions), async page =>
    {
        await OpenAsync(page, "/families/support-agent");

        await Expect(page.GetByTestId("stage-track")).ToContainTextAsync("support-agent-v10");
        foreach (var prefix in new[] { "shadow-", "canary-", "ramp-", "promote-", "rollback-", "register-bundle" })
        {
            await Expect(page.Locator($"[data-testid^='{prefix}']")).ToHaveCountAsync(0);
        }
    }, user: "finance");
}
