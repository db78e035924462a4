using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace ModelConsole.Scenarios;

/// <summary>
/// The UI's scale (issue "oncall-ux", the design's performance budget): a console with its simulated gateways and
/// FAMILIES families of ten bundles each is measured twice. (1) The overview's server render: the prerendered HTML of
/// <c>/</c> for a signed-in user, fetched RENDERS times in a row (the server runs the page and its reads; the browser is
/// not involved), reported as median and p95 with the bare <c>/healthz</c> round trip of the same run as a baseline.
/// (2) DASHBOARDS browser contexts, each signed in with the overview open and live, held for the hold time while the
/// console's resident memory is sampled; the peak is reported. Bounded in count and time; 127.0.0.1 only.
/// </summary>
public static class UiScale
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string baseUrl, string key, int families, int dashboards, TimeSpan hold, int consolePid)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var clock = Stopwatch.StartNew();
        await SeedAsync(http, families);
        var listed = (await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/api/v1/families"))!.Count;
        Console.WriteLine(string.Create(C, $"seeded: {listed} families ({families} of them with 10 bundles each) in {clock.Elapsed.TotalSeconds:0} s"));

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright, "--renderer-process-limit=4");

        // (1) The overview's server render, with a signed-in cookie.
        var (cookie, cookies) = await SignInAsync(browser, baseUrl);
        using var pageClient = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
        pageClient.DefaultRequestHeaders.Add("Cookie", cookie);
        const int renders = 30;
        var overview = new List<double>();
        var bare = new List<double>();
        for (var i = 0; i < renders + 3; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var answer = await pageClient.GetAsync("/");
            var html = await answer.Content.ReadAsStringAsync();
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answer.StatusCode != HttpStatusCode.OK || !html.Contains("family-row-", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"the overview did not render its families: {(int)answer.StatusCode}");
                return 1;
            }

            started = Stopwatch.GetTimestamp();
            using (await pageClient.GetAsync("/healthz"))
            {
                var bareMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (i >= 3) // the first renders warm the caches
                {
                    overview.Add(ms);
                    bare.Add(bareMs);
                }
            }
        }

        var rowsRendered = CountRows(await (await pageClient.GetAsync("/")).Content.ReadAsStringAsync());
        Console.WriteLine(string.Create(C,
            $"overview server render ({rowsRendered} family rows): median {P(overview, 0.5):0} ms, p95 {P(overview, 0.95):0} ms over {renders} renders; /healthz median {P(bare, 0.5):0.0} ms (ratio {P(overview, 0.5) / Math.Max(0.1, P(bare, 0.5)):0})"));

        // (2) Many dashboards open at once, live, while the simulated gateways send traffic.
        var before = ProcessMemory.RssMb(consolePid);
        var contexts = new List<IBrowserContext>();
        var peak = before;
        try
        {
            for (var i = 0; i < dashboards; i++)
            {
                var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
                await context.AddCookiesAsync(cookies);
                var page = await context.NewPageAsync();
                await page.GotoAsync("/", new() { Timeout = 60_000 });
                await page.Locator("[data-interactive='true']").WaitForAsync(new() { Timeout = 60_000 });
                contexts.Add(context);
                peak = Math.Max(peak, ProcessMemory.RssMb(consolePid));
            }

            Console.WriteLine(string.Create(C, $"{dashboards} dashboards open after {clock.Elapsed.TotalSeconds:0} s; holding {hold.TotalSeconds:0} s"));
            var until = Stopwatch.StartNew();
            while (until.Elapsed < hold)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
                peak = Math.Max(peak, ProcessMemory.RssMb(consolePid));
            }

            // Every dashboard still live: its circuit answers a navigation.
            var alive = 0;
            foreach (var context in contexts)
            {
                if (await context.Pages[0].Locator("[data-interactive='true']").CountAsync() > 0)
                {
                    alive++;
                }
            }

            Console.WriteLine(string.Create(C,
                $"ui-scale: overview render median {P(overview, 0.5):0} ms (p95 {P(overview, 0.95):0} ms, goal < 300 ms) with {listed} families; "
                + $"{dashboards} dashboards: server RSS {before:0} MB before, peak {peak:0} MB (goal < 500 MB); {alive}/{dashboards} live"));
            return P(overview, 0.5) < 300 && peak < 500 && alive == dashboards ? 0 : 2;
        }
        finally
        {
            foreach (var context in contexts)
            {
                await context.DisposeAsync();
            }
        }
    }

    /// <summary>Families of ten bundles: v1 ACTIVE, v2 in canary, the rest in STAGING (registered by the API, as gateways' owners would).</summary>
    private static async Task SeedAsync(HttpClient http, int families)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, families), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (f, ct) =>
        {
            var family = $"scale-{f:000}";
            using var created = await http.PostAsJsonAsync("/api/v1/families", new { name = family, description = "UI scale family " + f }, ct);
            if (created.StatusCode == HttpStatusCode.Conflict)
            {
                return; // seeded by an earlier run of the same database
            }

            string? parent = null;
            for (var b = 1; b <= 10; b++)
            {
                var name = $"{family}-v{b}";
                using var registered = await http.PostAsJsonAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = "m" + b, prompt = "p", config = new { }, parent }, ct);
                registered.EnsureSuccessStatusCode();
                parent = name;
            }

            (await http.PostAsJsonAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" }, ct)).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 }, ct)).EnsureSuccessStatusCode();
            (await http.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5, reason = "ui scale", @override = true }, ct)).EnsureSuccessStatusCode();
        });
    }

    /// <summary>Signs in once as the demo on-call user: the cookie header for plain requests and the cookies for browser contexts.</summary>
    private static async Task<(string Header, IReadOnlyList<Microsoft.Playwright.Cookie> Cookies)> SignInAsync(IBrowser browser, string baseUrl)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        await Browser.SignInAsync(await context.NewPageAsync());
        var cookies = await context.CookiesAsync();
        return (string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")),
            cookies.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure }).ToList());
    }

    private static int CountRows(string html)
    {
        var count = 0;
        for (var i = html.IndexOf("data-testid=\"family-row-", StringComparison.Ordinal); i >= 0; i = html.IndexOf("data-testid=\"family-row-", i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static double P(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }
}
