using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ModelConsole.E2E;

[Collection(ConsoleCollection.Name)]
public class AccessJourneyTests(ConsoleServer server) : BrowserTest(server)
{
    [Fact]
    public Task Anonymous_IsSentToSignIn_AndComesBackAfterwards() => RunAsync(nameof(Anonymous_IsSentToSignIn_AndComesBackAfterwards), async page =>
    {
        await page.GotoAsync("/bundles/support-agent-v10");

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in\\?returnUrl=%2Fbundles%2Fsupport-agent-v10$"));
        await Expect(page.GetByTestId("demo-users")).ToContainTextAsync("release-demo-pass");
        await ScreenshotAsync(page, "sign-in.png");
        await page.GetByTestId("signin-username").Locator("input").FillAsync("oncall");
        await page.GetByTestId("signin-password").Locator("input").FillAsync("not-the-password");
        await page.GetByTestId("signin-submit").ClickAsync();
        await Expect(page.GetByTestId("signin-error")).ToContainTextAsync("not right");

        await page.GetByTestId("signin-password").Locator("input").FillAsync("oncall-demo-pass");
        await page.GetByTestId("signin-submit").ClickAsync();
        await Expect(page.GetByTestId("bundle-name")).ToHaveTextAsync("support-agent-v10");
    }, user: null);

    [Fact]
    public async Task ADisabledUsersOpenRulesPage_GoesToSignInWithinAMinute_AndTheirNameChangesNothing()
    {
        var name = "e2e-rm-" + Guid.NewGuid().ToString("N")[..6];
        const string password = "a-long-enough-password";
        await using var adminContext = await Server.Browser.NewContextAsync(new() { BaseURL = Server.BaseUrl, ViewportSize = new() { Width = 1440, Height = 900 } });
        var admin = await adminContext.NewPageAsync();
        await SignInAsync(admin, "admin");
        await OpenAsync(admin, "/admin/users");
        await admin.GetByTestId("new-user-name").Locator("input").FillAsync(name);
        await admin.GetByTestId("new-user-password").Locator("input").FillAsync(password);
        await admin.GetByTestId("new-user-role-ReleaseManager").Locator("input").CheckAsync();
        await admin.GetByTestId("new-user-submit").ClickAsync();
        await Expect(admin.GetByTestId($"user-row-{name}")).ToBeVisibleAsync();

        await RunAsync(nameof(ADisabledUsersOpenRulesPage_GoesToSignInWithinAMinute_AndTheirNameChangesNothing), async page =>
        {
            await page.GotoAsync("/sign-in");
            await page.GetByTestId("signin-username").Locator("input").FillAsync(name);
            await page.GetByTestId("signin-password").Locator("input").FillAsync(password);
            await page.GetByTestId("signin-submit").ClickAsync();
            await Expect(page.GetByTestId("user-name")).ToHaveTextAsync(name);
            await OpenAsync(page, "/families/support-agent/rules");
            await Expect(page.GetByTestId("rules-save")).ToBeVisibleAsync();

            // Another browser, an admin: disable the release manager while their page is open.
            await admin.GetByTestId($"user-manage-{name}").ClickAsync();
            await admin.GetByTestId("user-toggle-disabled").ClickAsync();
            await admin.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
            await Expect(admin.GetByTestId($"user-row-{name}")).ToContainTextAsync("disabled", new() { IgnoreCase = true });

            // Untouched, the open page notices at its next check (every minute) and gives way to sign-in.
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"), new() { Timeout = 75_000 });
            await page.GotoAsync("/families/support-agent/rules"); // the session is over: sign-in, not the page
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));
            await Expect(page.GetByTestId("signin-submit")).ToBeVisibleAsync();
        }, user: null);

        using var http = Gateway();
        var ledger = await http.GetStringAsync($"/api/v1/ledger?actor={name}");
        Assert.Equal("[]", ledger.Trim());
    }

    public static TheoryData<string, bool, bool> RoleCases() => new()
    {
        { "oncall", false, false },
        { "release", true, false },
        { "finance", false, false },
        { "admin", true, true },
    };

    [Theory]
    [MemberData(nameof(RoleCases))]
    public Task EachRole_SeesOnlyWhatItMayDo(string user, bool mayRegister, bool isAdmin) => RunAsync($"{nameof(EachRole_SeesOnlyWhatItMayDo)}-{user}", async page =>
    {
        // Filtered to the demo family: other journeys' families may fill the grid's first page.
        await OpenAsync(page, "/bundles?family=support-agent");

        await Expect(page.GetByTestId("bundle-row-support-agent-v10")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("register-bundle")).ToHaveCountAsync(mayRegister ? 1 : 0);
        await Expect(page.GetByTestId("nav-admin-users")).ToHaveCountAsync(isAdmin ? 1 : 0);
        await OpenAsync(page, "/families");
        await Expect(page.GetByTestId("new-family")).ToHaveCountAsync(mayRegister ? 1 : 0);

        await OpenAsync(page, "/admin/keys");
        if (isAdmin)
        {
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "API keys" })).ToBeVisibleAsync();
        }
        else
        {
            await Expect(page.GetByTestId("access-denied")).ToBeVisibleAsync();
        }

        await page.GetByTestId("user-name").ClickAsync();
        await page.GetByTestId("signout").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in$"));
    }, user: user);

    [Fact]
    public Task Admin_CreatesAKey_SeesItOnce_AndRevokesIt() => RunAsync(nameof(Admin_CreatesAKey_SeesItOnce_AndRevokesIt), async page =>
    {
        await OpenAsync(page, "/admin/keys");
        await page.GetByTestId("new-key-name").Locator("input").FillAsync("gateway-e2e");
        await page.GetByTestId("new-key-scope-routing-read").Locator("input").CheckAsync();
        await page.GetByTestId("new-key-submit").ClickAsync();

        var key = await page.GetByTestId("created-key").TextContentAsync();
        Assert.Matches("^mc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", key);
        await Expect(page.GetByTestId("key-row-gateway-e2e")).ToContainTextAsync("routing:read");
        await ScreenshotAsync(page, "admin-keys.png");

        var api = await page.Context.APIRequest.GetAsync("/api/v1/families", new() { Headers = new Dictionary<string, string> { ["X-Api-Key"] = key! } });
        Assert.Equal(403, api.Status); // routing:read does not read families

        await page.GetByTestId("key-revoke-gateway-e2e").ClickAsync();
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(page.GetByTestId("key-row-gateway-e2e")).ToContainTextAsync("revoked");
    }, user: "admin");

    [Fact]
    public Task UserText_WithScriptAndImageTags_IsRenderedAsText() => RunAsync(nameof(UserText_WithScriptAndImageTags_IsRenderedAsText), async page =>
    {
        const string hostile = "<script>alert('xss')</script><img src=x onerror=alert(1)>";
        var response = await page.Context.APIRequest.PostAsync("/api/v1/bundles", new()
        {
            DataObject = new
            {
                name = "support-agent-xss", family = "support-agent", provider = "openai", modelId = "gpt-4o-xss",
                prompt = "Answer.\n" + hostile, config = new { }, notes = hostile,
            },
        });
        Assert.Equal(201, response.Status);

        await OpenAsync(page, "/bundles/support-agent-xss");

        await Expect(page.GetByTestId("bundle-notes")).ToHaveTextAsync(hostile);
        await Expect(page.GetByTestId("prompt-diff")).ToContainTextAsync("<img src=x onerror=alert(1)>");
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
    }, user: "release");
}
