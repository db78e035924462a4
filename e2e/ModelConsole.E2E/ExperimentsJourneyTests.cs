using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

/// <summary>A release manager runs an A/B experiment on a demo family's canary with simulated traffic, and concludes it.</summary>
[Collection(SimulatedConsoleCollection.Name)]
public class ExperimentsJourneyTests(SimulatedConsoleServer server) : BrowserTest(server)
{
    private static async Task<long> CountAsync(ILocator locator)
    {
        var digits = new string((await locator.TextContentAsync() ?? "").Where(char.IsDigit).ToArray());
        return digits.Length > 0 ? long.Parse(digits, CultureInfo.InvariantCulture) : 0;
    }

    [Fact]
    public Task ReleaseManager_StartsAnExperiment_WatchesCountsGrow_AndConcludesIt() => RunAsync(nameof(ReleaseManager_StartsAnExperiment_WatchesCountsGrow_AndConcludesIt), async page =>
    {
        await OpenAsync(page, "/experiments");
        await page.GetByTestId("experiment-new").ClickAsync();
        var dialog = page.GetByTestId("new-experiment-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        // support-agent is the demo family with a canary: arm B is its CANARY bundle.
        await Expect(page.GetByTestId("experiment-arm-b")).ToHaveTextAsync("support-agent-v11");
        await page.GetByTestId("experiment-split").Locator("input").FillAsync("50");
        await page.GetByTestId("experiment-split").Locator("input").PressAsync("Tab");
        await Expect(page.GetByTestId("experiment-plan")).ToContainTextAsync("Planned:");
        await ScreenshotAsync(page, "experiment-new.png");
        await page.GetByTestId("experiment-start").ClickAsync();

        // The results page: both arms fill up from simulated traffic, split by the experiment's own bucket.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/experiments/exp-[0-9a-f]+$"));
        var id = page.Url.Split('/').Last();
        await Expect(page.GetByTestId("experiment-state")).ToHaveTextAsync("running");
        var countB = page.GetByTestId("experiment-observed-b-count");
        var deadline = DateTime.UtcNow.AddSeconds(40);
        long first = -1, last = -1;
        while (DateTime.UtcNow < deadline && (first < 0 || last <= first))
        {
            var now = await CountAsync(countB);
            if (now > 0 && first < 0)
            {
                first = now;
            }

            last = now;
            await Task.Delay(500);
        }

        Assert.True(first > 0 && last > first, $"arm B's observed count should grow: first {first}, last {last}");
        Assert.True(await CountAsync(page.GetByTestId("experiment-observed-a-count")) > 0);
        await Expect(page.GetByTestId("experiment-srm")).ToContainTextAsync("χ²");
        await Expect(page.GetByTestId("experiment-advice")).Not.ToBeEmptyAsync();
        await ScreenshotAsync(page, "experiment-running.png");

        // The family view says an experiment replaces the canary split.
        await OpenAsync(page, "/families/support-agent");
        await Expect(page.GetByTestId("family-experiment")).ToContainTextAsync(id);

        // Concluding needs a reason; then the experiment ends and the canary split applies again.
        await OpenAsync(page, $"/experiments/{id}");
        await page.GetByTestId("experiment-conclude").ClickAsync();
        await page.GetByTestId("conclude-decision").GetByText("Inconclusive").ClickAsync();
        await page.GetByTestId("conclude-ok").ClickAsync();
        await Expect(page.GetByTestId("conclude-reason")).ToContainTextAsync("Say why");
        await page.GetByTestId("conclude-reason").Locator("textarea").FillAsync("demo run: too short to decide");
        await page.GetByTestId("conclude-ok").ClickAsync();
        await Expect(page.GetByTestId("experiment-state")).ToHaveTextAsync("concluded");
        await Expect(page.GetByTestId("experiment-ended")).ToContainTextAsync("inconclusive — demo run: too short to decide");

        await OpenAsync(page, "/experiments");
        await page.GetByTestId("experiments-filter-all").ClickAsync();
        await Expect(page.GetByTestId($"experiment-row-{id}")).ToContainTextAsync("concluded");
        await ScreenshotAsync(page, "experiments-list.png");

        // With live traffic the rules page says how soon each rule would see a breach of the canary.
        await OpenAsync(page, "/families/support-agent/rules");
        var readiness = page.GetByTestId("readiness-panel");
        await Expect(readiness.GetByTestId("readiness-rule-0")).ToContainTextAsync("the canary gets");
        await readiness.ScrollIntoViewIfNeededAsync();
        await ScreenshotAsync(page, "rules-readiness.png");
    });
}
