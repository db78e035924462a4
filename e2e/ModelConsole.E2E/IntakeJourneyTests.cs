using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>
/// A team wiring its OpenTelemetry exporter: spans arrive over OTLP, some without a bundle, some not GenAI; the OTLP
/// intake page, left open, shows per bundle what was accepted, ignored and rejected and why, and follows new spans.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class IntakeJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    [Fact]
    public Task TheIntakePage_ShowsAcceptedIgnoredAndRejectedSpans_AndFollowsNewOnes() => RunAsync(nameof(TheIntakePage_ShowsAcceptedIgnoredAndRejectedSpans_AndFollowsNewOnes), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "otlp");
        var bundle = family + "-v1";
        await ExportAsync(http, bundle, good: 2, noBundle: 1, ignored: 1);

        await OpenAsync(page, "/intake");
        var row = page.GetByTestId($"intake-row-{bundle}").Locator("xpath=..");
        await Expect(row).ToContainTextAsync("2");
        var none = page.GetByTestId("intake-row-none").Locator("xpath=..");
        await Expect(none).ToContainTextAsync("no bundle (set modelconsole.bundle");
        await ScreenshotAsync(page, "intake.png");

        // Left open: the next export shows within the page's refresh.
        await ExportAsync(http, bundle, good: 3, noBundle: 0, ignored: 0);
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("5", new() { Timeout = 12_000 });
    }, user: "oncall");

    [Fact]
    public Task TheIntakePage_AtPhoneWidth_InTheDarkTheme() => RunAsync(nameof(TheIntakePage_AtPhoneWidth_InTheDarkTheme), async page =>
    {
        using var http = Gateway();
        var family = await CanaryFamilyAsync(http, "otlpm");
        await ExportAsync(http, family + "-v1", good: 1, noBundle: 1, ignored: 0);

        await OpenAsync(page, "/intake");
        await Expect(page.GetByTestId($"intake-row-{family}-v1")).ToBeVisibleAsync();
        await ScreenshotAsync(page, "intake-phone-dark.png");
    }, user: "finance", darkTheme: true, viewport: new ViewportSize { Width = 390, Height = 844 });

    /// <summary>An OTLP/JSON export as an exporter would send it: GenAI chat spans naming the bundle on their resource.</summary>
    private static async Task ExportAsync(HttpClient http, string bundle, int good, int noBundle, int ignored)
    {
        var start = (ulong)(DateTime.UtcNow.AddSeconds(-2) - DateTime.UnixEpoch).Ticks * 100;
        JsonObject Span(bool genAi) => new()
        {
            ["traceId"] = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            ["spanId"] = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]),
            ["name"] = genAi ? "chat gpt-4o" : "GET /",
            ["startTimeUnixNano"] = start.ToString(CultureInfo.InvariantCulture),
            ["endTimeUnixNano"] = (start + 420_000_000).ToString(CultureInfo.InvariantCulture),
            ["attributes"] = genAi
                ? new JsonArray
                {
                    new JsonObject { ["key"] = "gen_ai.operation.name", ["value"] = new JsonObject { ["stringValue"] = "chat" } },
                    new JsonObject { ["key"] = "gen_ai.usage.input_tokens", ["value"] = new JsonObject { ["intValue"] = "120" } },
                    new JsonObject { ["key"] = "gen_ai.usage.output_tokens", ["value"] = new JsonObject { ["intValue"] = "30" } },
                }
                : new JsonArray { new JsonObject { ["key"] = "http.request.method", ["value"] = new JsonObject { ["stringValue"] = "GET" } } },
        };
        JsonObject Resource(string? name, IEnumerable<JsonObject> spans) => new()
        {
            ["resource"] = new JsonObject
            {
                ["attributes"] = name is null ? new JsonArray() : new JsonArray { new JsonObject { ["key"] = "modelconsole.bundle", ["value"] = new JsonObject { ["stringValue"] = name } } },
            },
            ["scopeSpans"] = new JsonArray { new JsonObject { ["spans"] = new JsonArray([.. spans]) } },
        };
        var export = new JsonObject
        {
            ["resourceSpans"] = new JsonArray
            {
                Resource(bundle, Enumerable.Range(0, good).Select(_ => Span(true)).Concat(Enumerable.Range(0, ignored).Select(_ => Span(false)))),
                Resource(null, Enumerable.Range(0, noBundle).Select(_ => Span(true))),
            },
        };
        var response = await http.PostAsync("/v1/traces", new StringContent(export.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"/v1/traces: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
