using Microsoft.Playwright;

namespace ModelConsole.E2E;

/// <summary>
/// Runs a journey in a fresh browser context: waits for the interactive circuit, fails on any page error or
/// browser dialog (a sign of injected script), and leaves a screenshot when it fails.
/// </summary>
public abstract class BrowserTest(ConsoleServer server)
{
    protected ConsoleServer Server { get; } = server;

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs a journey signed in as <paramref name="user"/> (a demo account), or anonymous when null.</summary>
    protected async Task RunAsync(string name, Func<IPage, Task> journey, string? user = "release", bool darkTheme = false)
    {
        await using var context = await Server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        if (darkTheme)
        {
            await context.AddCookiesAsync([new Cookie { Name = "mc-theme", Value = "dark", Url = Server.BaseUrl }]);
        }

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add("console error: " + message.Text);
            }
        };
        page.Dialog += async (_, dialog) =>
        {
            problems.Add("unexpected browser dialog: " + dialog.Message);
            await dialog.DismissAsync();
        };

        try
        {
            if (user is not null)
            {
                await SignInAsync(page, user);
            }

            await journey(page);
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }
        catch
        {
            var folder = Path.Combine(RepositoryRoot, "e2e", "ModelConsole.E2E", "screenshots", "failures");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
            throw;
        }
    }

    /// <summary>Signs in through the sign-in page with a demo account (password shown on that page in demo mode).</summary>
    protected static async Task SignInAsync(IPage page, string user)
    {
        await page.GotoAsync("/sign-in");
        await page.GetByTestId("signin-username").Locator("input").FillAsync(user);
        await page.GetByTestId("signin-password").Locator("input").FillAsync(user + "-demo-pass");
        await page.GetByTestId("signin-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync(user);
    }

    /// <summary>Opens a page and waits until Blazor's circuit is interactive (clicks on prerendered HTML are lost).</summary>
    protected static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await Assertions.Expect(page.Locator("[data-interactive='true']")).ToBeAttachedAsync();
    }

    protected static async Task ScreenshotAsync(IPage page, string file) =>
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(RepositoryRoot, "e2e", "ModelConsole.E2E", "screenshots", file),
        });

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelConsole.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ModelConsole.sln not found above " + AppContext.BaseDirectory);
    }
}
