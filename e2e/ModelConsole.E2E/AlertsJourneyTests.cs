using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>
/// On call with the family view open: a slow canary raises an alert (toast, badge), the engineer acknowledges it,
/// then a failing canary is rolled back by its rule and the open view shows it without a reload.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class AlertsJourneyTests(ConsoleServer server) : BrowserTest(server)
{

    private static object[] Calls(string bundle, int count, double latencyMs, double errorRate, string prefix) =>
        Enumerable.Range(0, count).Select(i => (object)new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-2), latencyMs, inputTokens = 10, outputTokens = 5,
            costUsd = 0.001, success = i >= count * errorRate,
        }).ToArray();

    [Fact]
    public Task SlowCanary_Alerts_ThenAFailingOne_IsRolledBackLive() => RunAsync(nameof(SlowCanary_Alerts_ThenAFailingOne_IsRolledBackLive), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "alr");

        await OpenAsync(page, $"/families/{family}");
        await Expect(page.GetByTestId($"stage-{family}-v2")).ToHaveTextAsync("CANARY 5%");

        // Twice new data with the canary ten times slower than the active bundle: the p95 alert (2 in a row) fires.
        await PostAsync(http, "/api/v1/telemetry", new { events = Calls(family + "-v1", 1_000, 400, 0, "a1").Concat(Calls(family + "-v2", 300, 4_000, 0, "c1")) });
        await Task.Delay(300);
        await PostAsync(http, "/api/v1/telemetry", new { events = Calls(family + "-v2", 100, 4_000, 0, "c2") });
        var toast = page.GetByTestId("alert-toast").Filter(new() { HasText = $"{family}-v2: latencyP95" });
        await Expect(toast).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(toast).ToContainTextAsync("candidate p95");
        await Expect(page.GetByTestId("alert-badge")).Not.ToHaveAttributeAsync("data-count", "0");
        await page.WaitForTimeoutAsync(600); // the toast's fade-in, for the picture only
        await ScreenshotAsync(page, "alert-toast.png");

        // The engineer acknowledges it on the alerts page.
        await OpenAsync(page, "/alerts");
        var row = page.Locator("[data-testid^='alert-row-']").Filter(new() { HasText = family + "-v2" });
        await Expect(row).ToContainTextAsync("Latency p95");
        var ack = row.Locator("[data-testid^='alert-ack-']");
        await ack.ClickAsync();
        await Expect(row.Locator("[data-testid^='alert-state-']")).ToHaveTextAsync("acknowledged");

        // Back on the family view, a failing canary: the rollback rule flips it, and the open page shows it at once.
        await OpenAsync(page, $"/families/{family}");
        await PostAsync(http, "/api/v1/telemetry", new { events = Calls(family + "-v1", 1_000, 400, 0.01, "a3").Concat(Calls(family + "-v2", 300, 400, 0.3, "c3")) });
        await Expect(page.GetByTestId($"stage-{family}-v2")).ToContainTextAsync("STAGING", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("alert-toast").Filter(new() { HasText = $"{family}-v2 rolled back automatically" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }, user: "oncall");

    [Fact]
    public Task ReleaseManager_TightensARule_AndItIsSaved() => RunAsync(nameof(ReleaseManager_TightensARule_AndItIsSaved), async page =>
    {
        using var http = Gateway();
        var family = "rul-" + Guid.NewGuid().ToString("N")[..8];
        await PostAsync(http, "/api/v1/families", new { name = family });

        await OpenAsync(page, $"/families/{family}/rules");
        await Expect(page.GetByTestId("rule-row-6")).ToBeVisibleAsync(); // the seven default rules
        // A family without traffic is not ready for automatic rollback, and the panel says why for each rule.
        await Expect(page.GetByTestId("readiness-verdict")).ToContainTextAsync("not ready");
        await Expect(page.GetByTestId("readiness-rule-0")).ToContainTextAsync("no data ever reaches this rule");
        await page.GetByTestId("readiness-percent").Locator("input").FillAsync("20");
        await Expect(page.GetByTestId("readiness-rule-0")).ToContainTextAsync("at 20 % of 0 calls/min");
        // The last default rule is the sequential rollback: no window, judged by its α.
        await Expect(page.GetByTestId("rule-test-6")).ToContainTextAsync("sequential");
        await Expect(page.GetByTestId("rule-row-6")).ToContainTextAsync("whole stage");
        await Expect(page.GetByTestId("rule-alpha-6").Locator("input")).ToHaveValueAsync("0.05");
        // It follows unsaved edits: both rollback rules turned into alerts leave the family without one.
        foreach (var row in new[] { 0, 6 })
        {
            await page.GetByTestId($"rule-action-{row}").Locator(".mud-input-control").ClickAsync();
            await page.GetByRole(AriaRole.Option, new() { Name = "alert", Exact = true }).ClickAsync();
        }

        await Expect(page.GetByTestId("readiness-verdict")).ToContainTextAsync("no rollback rule");
        await page.GetByText("Discard changes").ClickAsync();
        await Expect(page.GetByTestId("readiness-verdict")).ToContainTextAsync("not ready");
        var z = page.GetByTestId("rule-z-0").Locator("input");
        await Expect(z).ToHaveValueAsync("4");
        await z.FillAsync("5");
        await z.PressAsync("Tab");
        await page.GetByTestId("rules-save").ClickAsync();
        await Expect(page.GetByText("Rules saved")).ToBeVisibleAsync();

        var rules = (await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>($"/api/v1/families/{family}/rules"))!;
        Assert.Equal(5, rules[0]!["z"]!.GetValue<double>());

        // A bad value is named and nothing is saved.
        await page.GetByTestId("rule-consecutive-1").Locator("input").FillAsync("0");
        await page.GetByTestId("rule-consecutive-1").Locator("input").PressAsync("Tab");
        await page.GetByTestId("rules-save").ClickAsync();
        await Expect(page.GetByTestId("rules-invalid")).ToContainTextAsync("consecutive is from 1 to 100");
        rules = (await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>($"/api/v1/families/{family}/rules"))!;
        Assert.Equal(2, rules[1]!["consecutive"]!.GetValue<int>());
    }, user: "release");
}
