using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>
/// The on-call engineer's day: a rollback toasted first and in the error colour, a banner that stays until someone
/// acknowledges it (from the toast), health that says what happened, a dropped connection that says the numbers are
/// frozen and comes back by itself, the keyboard alone for the overview, promote and rollback, and a phone.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class OncallJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    private static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private static object[] Calls(string bundle, int count, double errorRate, string prefix) =>
        Enumerable.Range(0, count).Select(i => (object)new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-2), latencyMs = 400, inputTokens = 10, outputTokens = 5,
            costUsd = 0.001, success = i >= count * errorRate,
        }).ToArray();

    /// <summary>Presses Tab until <paramref name="target"/> has the focus (the keyboard path exists), at most 80 times.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement || e.contains(document.activeElement)"))
            {
                return;
            }
        }

        Assert.Fail("the keyboard never reached " + target);
    }

    private static bool Overlap(LocatorBoundingBoxResult a, LocatorBoundingBoxResult b) =>
        a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;

    [Fact]
    public Task ARollback_IsToastedFirstInRed_BannersUntilAcknowledgedFromTheToast_AndHealthSaysSo() => RunAsync(nameof(ARollback_IsToastedFirstInRed_BannersUntilAcknowledgedFromTheToast_AndHealthSaysSo), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "inc");
        await OpenAsync(page, "/");
        await Expect(page.GetByTestId($"family-health-{family}")).ToBeVisibleAsync();

        await PostAsync(http, "/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.01, "a").Concat(Calls(family + "-v2", 300, 0.35, "c")) });
        var rollbackToast = page.Locator("[data-testid='alert-toast'][data-kind='rollback']").Filter(new() { HasText = $"{family}-v2 rolled back automatically" });
        await Expect(rollbackToast).ToBeVisibleAsync(new() { Timeout = 15_000 });
        // First of the toasts, and in the error colour.
        await Expect(page.GetByTestId("alert-toast").First).ToHaveAttributeAsync("data-kind", "rollback");
        var snackbarClass = await rollbackToast.EvaluateAsync<string>("e => e.closest('.mud-snackbar').className");
        Assert.Contains("error", snackbarClass, StringComparison.Ordinal);

        // The overview says what happened, with the banner, and the health links to the alert.
        await Expect(page.GetByTestId($"family-health-{family}")).ToHaveAttributeAsync("data-health", "rolledBack", new() { Timeout = 15_000 });
        var banner = page.GetByTestId("incident-banner");
        await Expect(banner).ToContainTextAsync($"{family}-v2 was rolled back automatically");
        await ScreenshotAsync(page, "incident-overview.png");

        // On the family's page the toast stays, and never covers a pipeline button.
        await page.GetByTestId($"family-row-{family}").Locator("a").First.ClickAsync();
        await Expect(page.GetByTestId("stage-track")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("family-health")).ToHaveAttributeAsync("data-health", "rolledBack");
        await Expect(rollbackToast).ToBeVisibleAsync();
        var toastBox = (await rollbackToast.Locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' mud-snackbar ')][1]").BoundingBoxAsync())!;
        foreach (var button in await page.GetByTestId("stage-track").Locator("button").AllAsync())
        {
            var box = await button.BoundingBoxAsync();
            Assert.False(box is not null && Overlap(box, toastBox), $"the toast covers {await button.InnerTextAsync()}");
        }

        await ScreenshotAsync(page, "incident-family.png");

        // Acknowledged from the toast: the banner goes, and the family is no longer "rolled back".
        await rollbackToast.Locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' mud-snackbar ')][1]").GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(page.GetByTestId("incident-banner")).ToBeHiddenAsync(new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("family-health")).Not.ToHaveAttributeAsync("data-health", "rolledBack", new() { Timeout = 10_000 });
    }, user: "oncall");

    [Fact]
    public Task ADroppedConnection_SaysTheNumbersAreFrozen_AndComesBackByItself() => RunAsync(nameof(ADroppedConnection_SaysTheNumbersAreFrozen_AndComesBackByItself), async page =>
    {
        var down = false;
        var live = new List<IWebSocketRoute>();
        await page.RouteWebSocketAsync(new System.Text.RegularExpressions.Regex("/_blazor"), ws =>
        {
            if (down)
            {
                _ = ws.CloseAsync(); // the server "cannot be reached"
                return;
            }

            ws.ConnectToServer();
            lock (live)
            {
                live.Add(ws);
            }
        });

        await OpenAsync(page, "/");
        await Expect(page.GetByTestId("connection-lost")).ToBeHiddenAsync();
        down = true;
        foreach (var ws in live.ToList())
        {
            await ws.CloseAsync();
        }

        var overlay = page.GetByTestId("connection-lost");
        await Expect(overlay).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("connection-lost-text")).ToContainTextAsync("frozen since");
        await ScreenshotAsync(page, "connection-lost.png");

        down = false;
        await Expect(overlay).ToBeHiddenAsync(new() { Timeout = 30_000 });
        // Live again: navigation and clicks work on the same circuit.
        await page.GetByTestId("nav-alerts").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/alerts"));
    }, user: "oncall", expectedConsoleError: text => text.Contains("WebSocket", StringComparison.OrdinalIgnoreCase)
        || text.Contains("connection", StringComparison.OrdinalIgnoreCase) || text.Contains("Failed to", StringComparison.OrdinalIgnoreCase));

    [Fact]
    public Task TheKeyboardAlone_OpensAFamily_RampsTheCanary_AndRollsItBack() => RunAsync(nameof(TheKeyboardAlone_OpensAFamily_RampsTheCanary_AndRollsItBack), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "kb");
        await OpenAsync(page, "/");
        await TabToAsync(page, page.GetByTestId($"family-row-{family}").Locator("a").First);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/families/{family}$"));
        await Expect(page.Locator("[data-interactive='true']")).ToBeAttachedAsync();

        // Ramp with the keyboard: the percent is typed, the reason too, and Enter on the button confirms.
        await TabToAsync(page, page.GetByTestId($"ramp-{family}-v2"));
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByTestId("confirm-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await TabToAsync(page, dialog.GetByTestId("confirm-percent").Locator("input"));
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("10");
        if (await dialog.GetByTestId("confirm-override").CountAsync() > 0)
        {
            await TabToAsync(page, dialog.GetByTestId("confirm-override").Locator("input"));
            await page.Keyboard.PressAsync("Space");
        }

        await TabToAsync(page, dialog.GetByTestId("confirm-reason").Locator("textarea, input").First);
        await page.Keyboard.TypeAsync("keyboard ramp");
        await TabToAsync(page, page.GetByTestId("confirm-ok"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId($"stage-{family}-v2")).ToHaveTextAsync("CANARY 10%");

        // Roll back with the keyboard.
        await TabToAsync(page, page.GetByTestId($"rollback-{family}"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeVisibleAsync();
        await TabToAsync(page, dialog.GetByTestId("confirm-reason").Locator("textarea, input").First);
        await page.Keyboard.TypeAsync("keyboard rollback");
        await TabToAsync(page, page.GetByTestId("confirm-ok"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByTestId($"stage-{family}-v2")).ToContainTextAsync("STAGING");
    }, user: "release");

    [Fact]
    public Task OnAPhone_TheOnCallCanAcknowledge_RollBack_AndSignOut() => RunAsync(nameof(OnAPhone_TheOnCallCanAcknowledge_RollBack_AndSignOut), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "ph");
        // A slow canary: the p95 alert (two looks in a row) fires without a rollback.
        object[] Slow(string bundle, int count, double ms, string prefix) => Enumerable.Range(0, count).Select(i => (object)new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-2), latencyMs = ms, inputTokens = 10, outputTokens = 5, costUsd = 0.001, success = true,
        }).ToArray();
        await PostAsync(http, "/api/v1/telemetry", new { events = Slow(family + "-v1", 1_000, 400, "a1").Concat(Slow(family + "-v2", 300, 4_000, "c1")) });
        await Task.Delay(300);
        await PostAsync(http, "/api/v1/telemetry", new { events = Slow(family + "-v2", 100, 4_000, "c2") });

        await OpenAsync(page, "/");
        await Expect(page.GetByTestId($"family-row-{family}")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "phone-overview.png");
        // Nothing is wider than the screen.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), "the overview scrolls sideways at 390 px");

        await OpenAsync(page, $"/alerts?family={family}");
        var ack = page.Locator("[data-testid^='alert-ack-']").First;
        await Expect(ack).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await ack.ScrollIntoViewIfNeededAsync();
        await ScreenshotAsync(page, "phone-alerts.png");
        await ack.ClickAsync();
        await Expect(page.Locator("[data-testid^='alert-state-']").First).ToHaveTextAsync("acknowledged");

        await OpenAsync(page, $"/families/{family}");
        await page.GetByTestId($"rollback-{family}").ClickAsync();
        var dialog = page.GetByTestId("confirm-dialog");
        await dialog.GetByTestId("confirm-reason").Locator("textarea, input").First.FillAsync("rolled back from a phone");
        await page.GetByTestId("confirm-ok").ClickAsync();
        await Expect(page.GetByTestId($"stage-{family}-v2")).ToContainTextAsync("STAGING");
        await ScreenshotAsync(page, "phone-family.png");

        await page.GetByTestId("app-menu").Locator("button").First.ClickAsync();
        await Expect(page.GetByTestId("signout")).ToBeVisibleAsync();
        await page.GetByTestId("signout").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));
    }, user: "oncall", viewport: Phone);
}
