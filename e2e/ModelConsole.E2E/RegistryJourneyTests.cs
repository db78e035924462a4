using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

[Collection(ConsoleCollection.Name)]
public class RegistryJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    private const string NewPrompt = """
        You are the support assistant for Northwind Cloud. Answer the customer's question using only the
        knowledge-base articles provided in <context>. Cite the article id for every fact, like [KB-1042].
        Close with one line that offers a ticket when the answer is incomplete.
        """;

    [Fact]
    public Task RegisterBundle_InTheDialog_ThenFindItInTheGrid_AndSeeItsHashesAndPromptDiff() => RunAsync(nameof(RegisterBundle_InTheDialog_ThenFindItInTheGrid_AndSeeItsHashesAndPromptDiff), async page =>
    {
        await OpenAsync(page, "/bundles");
        await page.GetByTestId("register-bundle").ClickAsync();
        var dialog = page.GetByTestId("register-dialog");
        await Expect(dialog).ToBeVisibleAsync();

        await page.GetByTestId("register-family").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("support-agent", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("register-name").Locator("input")).ToHaveValueAsync("support-agent-v13");
        await Expect(page.GetByTestId("register-identical")).ToBeVisibleAsync();

        await page.GetByTestId("register-prompt").Locator("textarea").FillAsync(NewPrompt);
        await Expect(page.GetByTestId("register-one-variable")).ToContainTextAsync("prompt");
        await ScreenshotAsync(page, "register-dialog.png");
        await page.GetByTestId("register-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        await page.GetByTestId("bundles-search").Locator("input").FillAsync("support-agent-v13");
        var row = page.GetByTestId("bundle-row-support-agent-v13");
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid^='bundle-row-']")).ToHaveCountAsync(1);
        await row.ClickAsync();

        await Expect(page.GetByTestId("bundle-name")).ToHaveTextAsync("support-agent-v13");
        await Expect(page.GetByTestId("stage-support-agent-v13")).ToHaveTextAsync("STAGING");
        var promptHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(NewPrompt))).ToLowerInvariant();
        await Expect(page.GetByTestId("prompt-hash")).ToHaveTextAsync(promptHash);
        await Expect(page.GetByTestId("config-hash")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        await Expect(page.GetByTestId("bundle-hash")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f]{64}$"));
        await Expect(page.GetByTestId("bundle-changed")).ToContainTextAsync("prompt");
        var diff = page.GetByTestId("prompt-diff");
        await Expect(diff.Locator(".mc-diff-ins", new() { HasText = "Close with one line" })).ToBeVisibleAsync();
        await Expect(diff.Locator(".mc-diff-del").First).ToBeVisibleAsync();
        await ScreenshotAsync(page, "bundle-page.png");
    });

    [Fact]
    public Task Overview_ShowsEveryDemoFamily_AndOpensTheFamilyView() => RunAsync(nameof(Overview_ShowsEveryDemoFamily_AndOpensTheFamilyView), async page =>
    {
        await OpenAsync(page, "/");

        await Expect(page.GetByTestId("demo-marker")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("family-row-support-agent")).ToContainTextAsync("support-agent-v10");
        await Expect(page.GetByTestId("stage-support-agent-v11")).ToHaveTextAsync("CANARY 5%");
        await Expect(page.GetByTestId("stage-summarizer-v5")).ToHaveTextAsync("SHADOW 20%");
        await ScreenshotAsync(page, "overview.png");

        await page.GetByTestId("family-row-summarizer").ClickAsync();
        await ExpectUrlAsync(page, "/families/summarizer");
        await Expect(page.GetByTestId("stage-track")).ToContainTextAsync("summarizer-v4");
        await ScreenshotAsync(page, "family-view.png");
    });

    [Fact]
    public Task ThemeToggle_IsRemembered_AcrossReloads() => RunAsync(nameof(ThemeToggle_IsRemembered_AcrossReloads), async page =>
    {
        await OpenAsync(page, "/");
        var before = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(page.Locator("body")).Not.ToHaveCSSAsync("background-color", before);
        var dark = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        await OpenAsync(page, "/bundles");

        await Expect(page.Locator("body")).ToHaveCSSAsync("background-color", dark);
        await ScreenshotAsync(page, "bundles-dark.png");
    }, darkTheme: false);

    [Fact]
    public Task Navigation_ReachesEveryBuiltPage() => RunAsync(nameof(Navigation_ReachesEveryBuiltPage), async page =>
    {
        await OpenAsync(page, "/");

        await page.GetByTestId("nav-bundles").ClickAsync();
        await Expect(page.GetByTestId("bundle-row-support-agent-v12")).ToBeVisibleAsync();
        await page.GetByTestId("nav-families").ClickAsync();
        await Expect(page.GetByTestId("family-row-sql-copilot")).ToBeVisibleAsync();
        await page.GetByTestId("nav-overview").ClickAsync();
        await Expect(page.GetByTestId("overview-family-count")).ToHaveTextAsync("4");
    });

    private static async Task ExpectUrlAsync(IPage page, string path) =>
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(path) + "$"));
}
