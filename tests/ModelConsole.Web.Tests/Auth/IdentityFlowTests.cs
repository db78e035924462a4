using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Auth;

public class IdentityFlowTests
{
    private const string Password = "correct-horse-battery";

    private static async Task<ConsoleFactory> StartAsync(TestDatabase database, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["RateLimit:SignInPerMinute"] = "1000" };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }

        var factory = new ConsoleFactory(database, all);
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = new ConsoleUser { UserName = "pat" };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        await users.AddToRoleAsync(user, Roles.OnCall);
        return factory;
    }

    private static string? ErrorOf(HttpResponseMessage response) =>
        response.Headers.Location?.ToString() is { } location && location.Contains("error=", StringComparison.Ordinal)
            ? location.Split("error=")[1].Split('&')[0]
            : null;

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_EvenAgainstTheRightOne()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("invalid", ErrorOf(await SignIn.PostAsync(client, "pat", "wrong-password-" + i)));
        }

        Assert.Equal("locked", ErrorOf(await SignIn.PostAsync(client, "pat", "wrong-password-5")));

        var withRightPassword = await SignIn.PostAsync(client, "pat", Password);
        Assert.Equal("locked", ErrorOf(withRightPassword));
    }

    [Fact]
    public async Task DisabledUser_CannotSignIn_AndTheLedgerSaysWhoDisabledThem()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var pat = (await admin.ListUsersAsync(CancellationToken.None)).Single(u => u.UserName == "pat");

        var result = await admin.SetDisabledAsync(pat.Id, disabled: true, "boss", CancellationToken.None);

        Assert.True(result.Succeeded);
        var response = await SignIn.PostAsync(factory.CreateClient(new() { AllowAutoRedirect = false }), "pat", Password);
        Assert.Equal("disabled", ErrorOf(response));
        var ledger = await factory.CreateKeyClient().GetFromJsonAsync<JsonArray>("/api/v1/families"); // any authenticated read works
        Assert.NotNull(ledger);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();
        Assert.Contains(await db.Ledger.ToListAsync(), l => l.Action == "user-disabled" && l.Actor == "boss" && l.Reason == "user 'pat'");

        await admin.SetDisabledAsync(pat.Id, disabled: false, "boss", CancellationToken.None);
        Assert.Equal("/", (await SignIn.PostAsync(factory.CreateClient(new() { AllowAutoRedirect = false }), "pat", Password)).Headers.Location?.ToString());
    }

    [Fact]
    public async Task RevokedKey_IsRefusedFromTheNextRequestOn()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var key = (await admin.CreateKeyAsync("gateway", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!;
        var client = factory.CreateKeyClient(key.Key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/families")).StatusCode);

        var id = (await admin.ListKeysAsync(CancellationToken.None)).Single(k => k.Name == "gateway").Id;
        Assert.True(await admin.RevokeKeyAsync(id, "boss", CancellationToken.None));

        var refused = await client.GetAsync("/api/v1/families");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task RotatedKey_OldAndNewBothWork_UntilTheOldIsRevoked()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var old = (await admin.CreateKeyAsync("gateway-2026-10", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!;
        var @new = (await admin.CreateKeyAsync("gateway-2026-11", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!;

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateKeyClient(old.Key).GetAsync("/api/v1/families")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateKeyClient(@new.Key).GetAsync("/api/v1/families")).StatusCode);
        var oldId = (await admin.ListKeysAsync(CancellationToken.None)).Single(k => k.Name == "gateway-2026-10").Id;
        await admin.RevokeKeyAsync(oldId, "boss", CancellationToken.None);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateKeyClient(old.Key).GetAsync("/api/v1/families")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateKeyClient(@new.Key).GetAsync("/api/v1/families")).StatusCode);
    }

    [Fact]
    public async Task Keys_AreStoredAsHashes_AndNamedInTheLedgerAsKeyName()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var key = (await admin.CreateKeyAsync("registrar", [Scopes.RegistryWrite, Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!;

        var response = await factory.CreateKeyClient(key.Key).PostAsJsonAsync("/api/v1/families", new { name = "keyed-family" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();
        var stored = await db.ApiKeys.SingleAsync(k => k.Name == "registrar");
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.Key))).ToLowerInvariant(), stored.SecretHash);
        var ledger = await db.Ledger.ToListAsync();
        Assert.DoesNotContain(ledger, l => (l.Evidence ?? "").Contains(key.Key, StringComparison.Ordinal) || (l.Reason ?? "").Contains(key.Key, StringComparison.Ordinal));
        Assert.Contains(ledger, l => l.Action == "family-created" && l.Actor == "key:registrar");
    }

    [Fact]
    public async Task LastUse_IsRecordedInBatches_OffTheRequestPath()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var key = (await admin.CreateKeyAsync("reader", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!;
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();

        await factory.CreateKeyClient(key.Key).GetAsync("/api/v1/families");

        Assert.Null((await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Name == "reader")).LastUsedAt); // not written per request
        Assert.NotNull((await admin.ListKeysAsync(CancellationToken.None)).Single(k => k.Name == "reader").LastUsedAt); // but known
        await factory.Services.GetRequiredService<KeyUsageRecorder>().FlushAsync(CancellationToken.None);
        Assert.NotNull((await db.ApiKeys.AsNoTracking().SingleAsync(k => k.Name == "reader")).LastUsedAt);
    }

    [Fact]
    public async Task PerKeyRateLimit_Answers429WithRetryAfter_ButNotForUnlimitedOrBootstrapKeys()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database, new() { ["RateLimit:PerKeyPerSecond"] = "3" });
        var admin = factory.Services.GetRequiredService<AdminService>();
        var limited = factory.CreateKeyClient((await admin.CreateKeyAsync("limited", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!.Key);
        var unlimited = factory.CreateKeyClient((await admin.CreateKeyAsync("load-test", [Scopes.ConsoleRead], true, "boss", CancellationToken.None)).Value!.Key);
        var bootstrap = factory.CreateKeyClient();

        var limitedAnswers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => limited.GetAsync("/api/v1/families")));
        var unlimitedAnswers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => unlimited.GetAsync("/api/v1/families")));
        var bootstrapAnswers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => bootstrap.GetAsync("/api/v1/families")));

        var throttled = limitedAnswers.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(throttled);
        Assert.True(limitedAnswers.Count(r => r.StatusCode == HttpStatusCode.OK) <= 3 * 2); // at most two windows' worth
        Assert.True(int.Parse(throttled[0].Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.All(unlimitedAnswers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(bootstrapAnswers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task RouteFastPath_SpendsTheKeysOneBudget_AndItsRefusalsAreTheEndpoints()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database, new() { ["RateLimit:PerKeyPerSecond"] = "3" });
        var family = await factory.CreateKeyClient().CanaryFamilyAsync("fast");
        var admin = factory.Services.GetRequiredService<AdminService>();
        var gateway = factory.CreateKeyClient((await admin.CreateKeyAsync("gateway", [Scopes.ConsoleRead, Scopes.RoutingRead], false, "boss", CancellationToken.None)).Value!.Key);

        // Route lookups (answered by the fast path) and another endpoint (through the limiter middleware) share one window.
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? gateway.GetAsync($"/api/v1/families/{family}/route?subject=u{i}")
            : gateway.GetAsync("/api/v1/families")));
        Assert.True(answers.Count(r => r.StatusCode == HttpStatusCode.OK) <= 3 * 2, "one budget of 3 per second, at most two windows' worth");
        var throttledRoute = answers.Where((r, i) => i % 2 == 0 && r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(throttledRoute);
        Assert.Equal("application/problem+json", throttledRoute[0].Content.Headers.ContentType?.MediaType);
        Assert.True(throttledRoute[0].Headers.Contains("Retry-After"));

        // What the fast path does not answer, the endpoint does, with its own problem details.
        await Task.Delay(1_100);
        var bootstrap = factory.CreateKeyClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await bootstrap.GetAsync($"/api/v1/families/{family}/route")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bootstrap.GetAsync("/api/v1/families/no-such-family/route?subject=u")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateKeyClient("mc_000000000000_wrong").GetAsync($"/api/v1/families/{family}/route?subject=u")).StatusCode);
        var readOnly = factory.CreateKeyClient((await admin.CreateKeyAsync("reader", [Scopes.ConsoleRead], false, "boss", CancellationToken.None)).Value!.Key);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.GetAsync($"/api/v1/families/{family}/route?subject=u")).StatusCode);
        using var ok = await bootstrap.GetAsync($"/api/v1/families/{family}/route?subject=u1");
        Assert.Equal("nosniff", ok.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("application/json", ok.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task SignInAttempts_AreLimitedPerMinute_With429AndRetryAfter()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database, new() { ["RateLimit:SignInPerMinute"] = "3" });
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await SignIn.PostAsync(client, "pat", "wrong-password"));
        }

        Assert.All(answers.Take(3), r => Assert.Equal(HttpStatusCode.Redirect, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3].StatusCode);
        Assert.True(answers[3].Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task BootstrapAdmin_FromConfiguration_HasEveryRole()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database, new()
        {
            ["Auth:BootstrapAdmin:UserName"] = "Root",
            ["Auth:BootstrapAdmin:Password"] = "bootstrap-admin-password",
        });

        var users = await factory.Services.GetRequiredService<AdminService>().ListUsersAsync(CancellationToken.None);

        var root = Assert.Single(users, u => u.UserName == "root");
        Assert.Equal(Roles.All.Order(StringComparer.Ordinal), root.Roles);
        await SignIn.AsAsync(factory, "root", "bootstrap-admin-password");
    }

    [Fact]
    public async Task DemoUsers_ExistOnlyInADemoDatabase()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);

        var users = await factory.Services.GetRequiredService<AdminService>().ListUsersAsync(CancellationToken.None);

        Assert.DoesNotContain(users, u => u.IsDemo);
        Assert.DoesNotContain("demo-users", await factory.CreateClient().GetStringAsync("/sign-in"));
    }

    [Fact]
    public async Task OpenIdConnect_WhenConfigured_OffersSingleSignOnOnTheSignInPage()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database, new()
        {
            ["Auth:OpenIdConnect:Authority"] = "https://login.example.test/tenant",
            ["Auth:OpenIdConnect:ClientId"] = "model-console",
            ["Auth:OpenIdConnect:RoleClaim"] = "groups",
        });

        var page = await factory.CreateClient().GetStringAsync("/sign-in");

        Assert.Contains("data-testid=\"signin-sso\"", page);
    }

    [Theory]
    [InlineData("/bundles?family=x", "/bundles?family=x")]
    [InlineData("//evil.example/phish", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("/\n/evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("", "/")]
    public void SafeReturnUrl_KeepsOnlyPathsOnThisSite(string returnUrl, string expected) =>
        Assert.Equal(expected, AccountEndpoints.SafeReturnUrl(returnUrl));

    [Fact]
    public async Task AnOpenPageSession_LosesItsRights_WhenTheUserIsDisabledOrTheirRolesChange()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var pat = (await admin.ListUsersAsync(CancellationToken.None)).Single(u => u.UserName == "pat");
        var sessions = factory.Services.GetRequiredService<Sessions>();
        async Task<System.Security.Claims.ClaimsPrincipal> PrincipalAsync()
        {
            // A new scope, as a new sign-in has: the user as stored now, not as an older context tracked it.
            await using var scope = factory.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ConsoleUser>>();
            return await signIn.CreateUserPrincipalAsync((await users.FindByNameAsync("pat"))!);
        }

        var session = await PrincipalAsync();
        Assert.NotNull(await sessions.CurrentAsync(session, CancellationToken.None));

        await admin.SetRolesAsync(pat.Id, [Roles.Finance], "boss", CancellationToken.None);
        Assert.Null(await sessions.CurrentAsync(session, CancellationToken.None)); // roles changed: the stamp moved on

        var fresh = await PrincipalAsync();
        Assert.True((await sessions.CurrentAsync(fresh, CancellationToken.None))!.IsInRole(Roles.Finance)); // the roles as stored now
        await admin.SetDisabledAsync(pat.Id, disabled: true, "boss", CancellationToken.None);
        Assert.Null(await sessions.CurrentAsync(fresh, CancellationToken.None));
    }

    [Fact]
    public async Task AnOpenPage_IsRefusedAtTheMomentItActs_OnceTheUserIsDemotedOrDisabled_AndNeverLedgersAnonymous()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);
        var admin = factory.Services.GetRequiredService<AdminService>();
        var pat = (await admin.ListUsersAsync(CancellationToken.None)).Single(u => u.UserName == "pat");
        await admin.SetRolesAsync(pat.Id, [Roles.ReleaseManager], "boss", CancellationToken.None);
        System.Security.Claims.ClaimsPrincipal session;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ConsoleUser>>();
            session = await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByNameAsync("pat"))!);
        }

        // The page's user as its circuit holds it: the claims of the moment it opened, whatever happens after.
        var state = new FixedState(session);
        var access = new UserAccess(state, factory.Services.GetRequiredService<Sessions>());
        var acting = await access.ActAsync(Policies.PipelineWrite);
        Assert.True(acting.Allowed);
        Assert.Equal("pat", acting.Actor);
        Assert.False((await access.ActAsync(Policies.Admin)).Allowed);

        await admin.SetRolesAsync(pat.Id, [Roles.Finance], "boss", CancellationToken.None);
        Assert.True(await access.IsAllowedAsync(Policies.PipelineWrite)); // what the open page still shows…
        var refused = await access.ActAsync(Policies.PipelineWrite);     // …is not what it may do
        Assert.False(refused.Allowed);
        Assert.Null(refused.Actor);
        Assert.Contains("sign in again", refused.Refusal);

        await admin.SetDisabledAsync(pat.Id, disabled: true, "boss", CancellationToken.None);
        Assert.False((await access.ActAsync(Policies.ConsoleRead)).Allowed);

        var anonymous = new UserAccess(new FixedState(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity())), factory.Services.GetRequiredService<Sessions>());
        Assert.False((await anonymous.ActAsync(Policies.ConsoleRead)).Allowed);
    }

    [Fact]
    public void SingleSignOnNames_CanNeverPoseAsKeysRulesOrLocalAccounts()
    {
        var provider = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new("preferred_username", "key:deploy-bot"), new("groups", Roles.ReleaseManager), new("groups", "Wizard")], "oidc"));
        var now = DateTimeOffset.UtcNow;
        var user = SsoSession.From(provider, "groups", now.AddHours(8))!;

        Assert.Equal("sso:key:deploy-bot", user.Identity!.Name);
        Assert.Equal(AuthSetup.SsoCookieScheme, user.Identity.AuthenticationType);
        Assert.True(user.IsInRole(Roles.ReleaseManager));
        Assert.False(user.IsInRole("Wizard")); // only the console's roles
        Assert.True(SsoSession.IsOpen(user, now.AddHours(7)));
        Assert.False(SsoSession.IsOpen(user, now.AddHours(8).AddSeconds(1))); // fixed length: never sliding
        Assert.Null(SsoSession.From(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new("groups", Roles.Admin)], "oidc")), "groups", now));
    }

    private sealed class FixedState(System.Security.Claims.ClaimsPrincipal user) : Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider
    {
        public override Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new Microsoft.AspNetCore.Components.Authorization.AuthenticationState(user));
    }

    [Fact]
    public async Task SignInReturnUrl_NeverLeavesTheSite()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = await StartAsync(database);

        var response = await SignIn.PostAsync(factory.CreateClient(new() { AllowAutoRedirect = false }), "pat", Password, returnUrl: "//evil.example/phish");

        Assert.Equal("/", response.Headers.Location?.ToString());
    }
}
