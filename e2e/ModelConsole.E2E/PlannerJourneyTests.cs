using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

[Collection(ConsoleCollection.Name)]
public class PlannerJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    private static async Task FillAsync(IPage page, string testId, double value)
    {
        var input = page.GetByTestId(testId).Locator("input");
        await input.FillAsync(value.ToString(CultureInfo.InvariantCulture));
        await input.PressAsync("Tab");
    }

    /// <summary>
    /// Finance plans a shadow: R's power.prop.test(p1 = .5, p2 = .75, power = .9) needs 76.7 → 77 per arm; at 1,000
    /// requests a day mirrored 10 % that is 0.77 days, and at $0.01 a shadow call $0.77 in all.
    /// </summary>
    [Fact]
    public Task FinanceFillsThePlanner_SeesTheCharts_AndTheCsvHoldsTheSameNumbers() => RunAsync(nameof(FinanceFillsThePlanner_SeesTheCharts_AndTheCsvHoldsTheSameNumbers), async page =>
    {
        await OpenAsync(page, "/planner");
        await page.GetByTestId("planner-mde-type").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "absolute change" }).ClickAsync();
        await FillAsync(page, "planner-baseline", 0.5);
        await FillAsync(page, "planner-mde", 0.25);
        await FillAsync(page, "planner-alpha", 0.05);
        await FillAsync(page, "planner-power", 0.9);
        await FillAsync(page, "planner-requests-per-day", 1000);
        await FillAsync(page, "planner-mirror-percent", 10);
        await FillAsync(page, "planner-shadow-cost", 0.01);

        await Expect(page.GetByTestId("planner-per-arm")).ToHaveTextAsync("77");
        await Expect(page.GetByTestId("planner-days")).ToHaveTextAsync("0.8");
        await Expect(page.GetByTestId("planner-cost-total")).ToHaveTextAsync("$0.77");
        await Expect(page.GetByTestId("planner-chart-cost").Locator(".main-svg").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("planner-chart-power").Locator(".scatterlayer .trace")).ToHaveCountAsync(1);
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("baseline=0\\.5"));
        await ScreenshotAsync(page, "planner.png");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("planner-export").ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("plan,perArm,77", csv, StringComparison.Ordinal);
        Assert.Contains("plan,shadowCostTotalUsd,0.77", csv, StringComparison.Ordinal);

        // A bad value says what is wrong and hides the plan, instead of showing a stale number.
        await FillAsync(page, "planner-power", 1.5);
        await Expect(page.GetByTestId("planner-invalid")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("planner-error-power")).ToContainTextAsync("between 0 and 1");

        // The link reopens the same plan.
        await FillAsync(page, "planner-power", 0.9);
        await Expect(page.GetByTestId("planner-per-arm")).ToHaveTextAsync("77");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("power=0\\.9"));
        var link = page.Url;
        await OpenAsync(page, link);
        await Expect(page.GetByTestId("planner-per-arm")).ToHaveTextAsync("77");
    }, user: "finance");
}
