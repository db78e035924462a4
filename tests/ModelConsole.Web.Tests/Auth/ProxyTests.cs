using System.Net;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Auth;

/// <summary>
/// The console as its own process behind a (pretend) TLS-terminating proxy: forwarded headers are believed from a
/// configured proxy address only — the sign-in limit then counts each client apart, and cookies are Secure.
/// </summary>
public sealed class ProxyTests
{
    [Fact]
    public async Task FromAKnownProxy_EachForwardedClientHasItsOwnSignInLimit_AndCookiesAreSecure()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var console = new ConsoleProcess(database, new Dictionary<string, string>
        {
            ["ForwardedHeaders__KnownProxies"] = "127.0.0.1",
            ["RateLimit__SignInPerMinute"] = "2",
        });
        await console.StartAsync();
        using var client = Client(console);

        foreach (var address in new[] { "203.0.113.1", "203.0.113.2", "203.0.113.3" })
        {
            var (status, setCookies) = await SignInAsync(client, address);
            Assert.Equal(HttpStatusCode.Redirect, status); // a wrong password's answer, not 429: one attempt each
            Assert.All(setCookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        }

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, "203.0.113.1")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(client, "203.0.113.1")).Status); // its third in the minute
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, "203.0.113.4")).Status);
    }

    [Fact]
    public async Task FromAnUnknownAddress_ForwardedHeadersAreIgnored_AndEveryoneSharesItsLimit()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var console = new ConsoleProcess(database, new Dictionary<string, string>
        {
            ["ForwardedHeaders__KnownProxies"] = "198.51.100.7",
            ["RateLimit__SignInPerMinute"] = "2",
        });
        await console.StartAsync();
        using var client = Client(console);

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, "203.0.113.1")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, "203.0.113.2")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync(client, "203.0.113.3")).Status); // all are 127.0.0.1
    }

    [Fact]
    public async Task TokenlessSignInPosts_DoNotUseUpTheLimit()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var console = new ConsoleProcess(database, new Dictionary<string, string> { ["RateLimit__SignInPerMinute"] = "2" });
        await console.StartAsync();
        using var client = Client(console);

        for (var i = 0; i < 5; i++)
        {
            using var tokenless = await client.PostAsync("/account/sign-in", Form(new() { ["UserName"] = "admin", ["Password"] = "guess" }));
            Assert.Equal(HttpStatusCode.BadRequest, tokenless.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(client, null)).Status);
    }

    private static HttpClient Client(ConsoleProcess console) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{console.Port}") };

    /// <summary>A wrong-password sign-in as a browser behind the proxy would send it (cookies carried by hand: they are Secure).</summary>
    private static async Task<(HttpStatusCode Status, IReadOnlyList<string> SetCookies)> SignInAsync(HttpClient client, string? forwardedFor)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, "/sign-in");
        Forward(get, forwardedFor);
        using var page = await client.SendAsync(get);
        var setCookies = page.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];
        var token = SignIn.TokenField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/sign-in")
        {
            Content = Form(new() { ["__RequestVerificationToken"] = token, ["UserName"] = "nobody", ["Password"] = "not-the-password", ["ReturnUrl"] = "/" }),
        };
        post.Headers.Add("Cookie", string.Join("; ", setCookies.Select(c => c.Split(';')[0])));
        Forward(post, forwardedFor);
        using var answer = await client.SendAsync(post);
        return (answer.StatusCode, setCookies);
    }

    private static void Forward(HttpRequestMessage request, string? forwardedFor)
    {
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            request.Headers.Add("X-Forwarded-Proto", "https");
        }
    }

    private static FormUrlEncodedContent Form(Dictionary<string, string> fields) => new(fields);
}
