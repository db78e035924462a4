using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>The first run is alive: simulated gateways feed the demo families, and an admin degrades a bundle and watches it.</summary>
[Collection(SimulatedConsoleCollection.Name)]
public class SimulatorJourneyTests(SimulatedConsoleServer server) : BrowserTest(server)
{
    private static double Number(string? text) =>
        double.Parse(new string((text ?? "").Where(c => char.IsDigit(c) || c == '.').ToArray()) is { Length: > 0 } digits ? digits : "0", CultureInfo.InvariantCulture);

    /// <summary>Waits for a figure on the page to satisfy a condition (the live tiles refresh every 2 s).</summary>
    private static async Task WaitForAsync(ILocator figure, Func<double, bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        string? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await figure.TextContentAsync();
            if (condition(Number(last)))
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"{what}: still '{last}' after {seconds} s");
    }

    [Fact]
    public Task FirstRun_ChartsMove_AndAnAdminDegradesABundleAndWatchesItsLatency() => RunAsync(nameof(FirstRun_ChartsMove_AndAnAdminDegradesABundleAndWatchesItsLatency), async page =>
    {
        // A new database has its last half hour filled and live traffic on top: every family serves, with a sparkline.
        await OpenAsync(page, "/");
        foreach (var family in new[] { "support-agent", "summarizer", "sql-copilot", "ticket-triage" })
        {
            await WaitForAsync(page.GetByTestId($"family-requests-{family}"), n => n > 0, $"{family}'s requests in the last hour");
        }

        await Expect(page.GetByTestId("family-traffic-support-agent").Locator("svg polyline")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "overview-live.png");

        // The bundle page's charts are drawn and the count grows.
        await OpenAsync(page, "/bundles/support-agent-v10");
        var requests = page.GetByTestId("metrics-requests");
        await WaitForAsync(requests, n => n > 0, "requests in the last hour");
        var before = Number(await requests.TextContentAsync());
        // Plotly's script is large: on a busy machine the first draw can take a while.
        await Expect(page.GetByTestId("chart-requests").Locator(".scatterlayer .trace").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("chart-latency").Locator(".scatterlayer .trace")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        await WaitForAsync(requests, n => n > before, "requests growing live");
        await ScreenshotAsync(page, "bundle-live.png");

        // The admin makes the active support bundle 20 s slower for five minutes.
        await OpenAsync(page, "/demo");
        await Expect(page.GetByTestId("simulator-requests")).Not.ToHaveTextAsync("0");
        await page.GetByTestId("demo-bundle").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "support-agent-v10 · ACTIVE" }).ClickAsync();
        await page.GetByTestId("demo-kind").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Slower (+ milliseconds)" }).ClickAsync();
        // Choosing the kind puts its typical amount in the field; wait for it before typing over it.
        await Expect(page.GetByTestId("demo-amount").Locator("input")).ToHaveValueAsync("800");
        await page.GetByTestId("demo-amount").Locator("input").FillAsync("20000");
        await page.GetByTestId("demo-amount").Locator("input").PressAsync("Tab");
        await page.GetByTestId("demo-duration").Locator("input").FillAsync("5");
        await page.GetByTestId("demo-duration").Locator("input").PressAsync("Tab");
        await page.GetByTestId("demo-start").ClickAsync();
        await Expect(page.GetByTestId("degradation-row-support-agent-v10")).ToContainTextAsync("latency +20000 ms");

        // Its p95 of the minute in progress climbs past 10 s as degraded calls arrive.
        await OpenAsync(page, "/bundles/support-agent-v10");
        await WaitForAsync(page.GetByTestId("metrics-p95"), ms => ms > 10_000, "p95 this minute");

        // Stopped early, the degradation leaves the list; the audit ledger has both.
        await OpenAsync(page, "/demo");
        await page.GetByTestId("degradation-stop-support-agent-v10").ClickAsync();
        await Expect(page.GetByTestId("degradations-empty")).ToBeVisibleAsync();
        await OpenAsync(page, "/audit");
        await Expect(page.GetByText("demo-degradation-stopped").First).ToBeVisibleAsync();
    }, user: "admin");

    [Fact]
    public Task DemoControls_AreForAdminsOnly() => RunAsync(nameof(DemoControls_AreForAdminsOnly), async page =>
    {
        await page.GotoAsync("/demo");
        await Expect(page.GetByTestId("demo-start")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("nav-demo")).ToHaveCountAsync(0);
    }, user: "oncall");
}
