using System.Net.Http.Json;
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
    /// <param name="viewport">The window size; 1440 × 900 unless a journey checks another (a phone is 390 wide).</param>
    /// <param name="expectedConsoleError">Console errors the journey causes on purpose (a dropped connection), not failures.</param>
    protected async Task RunAsync(string name, Func<IPage, Task> journey, string? user = "release", bool darkTheme = false,
        ViewportSize? viewport = null, Func<string, bool>? expectedConsoleError = null)
    {
        await using var context = await Server.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseUrl,
            ViewportSize = viewport ?? new ViewportSize { Width = 1440, Height = 900 },
        });
        if (darkTheme)
        {
            await context.AddCookiesAsync([new Cookie { Name = "mc-theme", Value = "dark", Url = Server.BaseUrl }]);
        }

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        // Playwright raises these events on its own threads: the list is locked, and no handler may throw.
        var problems = new List<string>();
        void Problem(string text)
        {
            lock (problems)
            {
                problems.Add(text);
            }
        }

        // An expected error (a journey that drops the connection) may surface as a console error or as an uncaught
        // page error (Blazor's own script sending on a closed circuit): the journey's filter judges both.
        page.PageError += (_, error) =>
        {
            if (expectedConsoleError?.Invoke(error) != true)
            {
                Problem("page error: " + error);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && expectedConsoleError?.Invoke(message.Text) != true)
            {
                Problem("console error: " + message.Text);
            }
        };
        page.Dialog += async (_, dialog) =>
        {
            Problem("unexpected browser dialog: " + dialog.Message);
            try
            {
                await dialog.DismissAsync();
            }
            catch (PlaywrightException)
            {
                // The page is already gone; the problem is recorded.
            }
        };

        try
        {
            if (user is not null)
            {
                await SignInAsync(page, user);
            }

            await journey(page);
            lock (problems)
            {
                Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
            }
        }
        catch
        {
            var folder = Path.Combine(RepositoryRoot, "e2e", "ModelConsole.E2E", "screenshots", "failures");
            Directory.CreateDirectory(folder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
            throw;
        }
    }

    /// <summary>A client of the console's API as a gateway would be (the bootstrap key, every scope).</summary>
    protected HttpClient Gateway()
    {
        var http = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ConsoleServer.BootstrapKey);
        return http;
    }

    /// <summary>Posts JSON and fails the journey unless the answer is 2xx.</summary>
    protected static async Task PostAsync(HttpClient http, string url, object body)
    {
        ArgumentNullException.ThrowIfNull(http);
        var response = await http.PostAsJsonAsync(url, body);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A new family "{prefix}-xxxxxxxx" with v1 ACTIVE and v2 in CANARY at 5 % (the gates overridden).</summary>
    protected static async Task<string> CanaryFamilyAsync(HttpClient http, string prefix)
    {
        var family = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await PostAsync(http, "/api/v1/families", new { name = family });
        await PostAsync(http, "/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } });
        await PostAsync(http, "/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" });
        await PostAsync(http, $"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await PostAsync(http, $"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        await PostAsync(http, $"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5, reason = "e2e", @override = true });
        return family;
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
