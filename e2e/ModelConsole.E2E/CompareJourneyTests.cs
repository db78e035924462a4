using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>An on-call engineer compares a shadow with the active bundle after gateways reported through the API.</summary>
[Collection(ConsoleCollection.Name)]
public class CompareJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    /// <summary>
    /// A family of its own: v1 ACTIVE with 500 calls (25 failed, 5 %), v2 in SHADOW with 250 calls mirroring the first
    /// 250 (24 failed, 9.6 %: worse, but short of the default rollback rule's +100 %), posted as a gateway would.
    /// </summary>
    private async Task<string> ShadowWithTelemetryAsync()
    {
        var family = "cmp-" + Guid.NewGuid().ToString("N")[..8];
        using var http = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ConsoleServer.BootstrapKey);
        async Task PostAsync(string url, object body)
        {
            var response = await http.PostAsJsonAsync(url, body);
            Assert.True(response.IsSuccessStatusCode, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await PostAsync("/api/v1/families", new { name = family });
        await PostAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { } });
        await PostAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "gpt-4.1", prompt = "p", config = new { }, parent = family + "-v1" });
        await PostAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await PostAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 50 });
        var at = DateTime.UtcNow.AddMinutes(-2);
        var primaries = Enumerable.Range(0, 500).Select(i => new
        {
            requestId = $"r{i}", bundle = family + "-v1", timestamp = at, latencyMs = 800 + i % 7 * 50, inputTokens = 100, outputTokens = 20,
            costUsd = 0.002, success = i % 20 != 0, outputHash = $"h{i}",
        });
        var shadows = Enumerable.Range(0, 250).Select(i => new
        {
            requestId = $"s{i}", bundle = family + "-v2", timestamp = at, latencyMs = 900 + i % 5 * 60, inputTokens = 100, outputTokens = 20,
            costUsd = 0.003, success = !(i % 10 == 0 && i < 240), outputHash = i % 10 == 0 ? $"x{i}" : $"h{i}", shadowOf = $"r{i}",
        });
        await PostAsync("/api/v1/telemetry", new { events = primaries });
        await PostAsync("/api/v1/telemetry", new { events = shadows });
        return family;
    }

    [Fact]
    public Task OnCallComparesAShadow_AndTheCsvHoldsTheSameNumbers() => RunAsync(nameof(OnCallComparesAShadow_AndTheCsvHoldsTheSameNumbers), async page =>
    {
        var family = await ShadowWithTelemetryAsync();
        await OpenAsync(page, $"/compare?family={family}");

        await Expect(page.GetByTestId("compare-heading")).ToContainTextAsync($"{family}-v2 (SHADOW 50 %) against {family}-v1 (ACTIVE)");
        await Expect(page.GetByTestId("compare-active-errorRate")).ToHaveTextAsync("5.00 %");
        await Expect(page.GetByTestId("compare-candidate-errorRate")).ToHaveTextAsync("9.60 %");
        await Expect(page.GetByTestId("compare-samples-errorRate")).ToHaveTextAsync("500 / 250");
        // Pooled z = 2.403, two-sided p = 0.0163.
        await Expect(page.GetByTestId("compare-verdict-errorRate")).ToContainTextAsync("worse, p = 0.016");
        await Expect(page.GetByTestId("compare-verdict-costPerCall")).ToContainTextAsync("worse");
        await Expect(page.GetByTestId("compare-pairs")).ToHaveTextAsync("250");
        await Expect(page.GetByTestId("compare-agreement")).ToHaveTextAsync("90.0 %");
        await Expect(page.GetByTestId("compare-latency-chart").Locator(".scatterlayer .trace")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await ScreenshotAsync(page, "compare.png");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("compare-export").ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("errorRate,0.05,0.096,", csv, StringComparison.Ordinal);
        Assert.Contains(",500,250,true,\"worse, p = 0.016\"", csv, StringComparison.Ordinal);
        Assert.Contains("pairs,250", csv, StringComparison.Ordinal);
        Assert.Contains("agreement,0.9", csv, StringComparison.Ordinal);

        // A family with nothing in SHADOW or CANARY says so instead of showing an empty table.
        await OpenAsync(page, "/compare?family=sql-copilot");
        await Expect(page.GetByTestId("compare-empty")).ToContainTextAsync("no candidate");
    }, user: "oncall");
}
