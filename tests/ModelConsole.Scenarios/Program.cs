using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

// The breach-to-rollback scenario (issue "alerts"), against a running console on 127.0.0.1 with demo users:
//   ModelConsole.Scenarios rollback BASE_URL API_KEY RUNS
// Each run: a new family with v1 ACTIVE and v2 in CANARY 5 %, healthy traffic for both, then one batch in which the
// canary fails 40 % of its calls. Measured from the moment that batch is acknowledged (202): (a) until `route` answers
// v1 for a subject that v2 served, (b) until the "rolled back" toast is visible in a Chromium page on the family view.
// Prints p50/p95/max of both; exits non-zero if a run does not roll back within 30 s.
if (args is ["soak", var soakUrl, var soakKey, var minutesText, var pidText] && double.TryParse(minutesText, CultureInfo.InvariantCulture, out var minutes)
    && minutes is > 0 and <= 240 && int.TryParse(pidText, out var consolePid))
{
    return await ModelConsole.Scenarios.Soak.RunAsync(soakUrl, soakKey, TimeSpan.FromMinutes(minutes), consolePid);
}

if (args is ["ui-scale", var uiUrl, var uiKey, var familiesText, var dashboardsText, var holdText, var uiPidText]
    && int.TryParse(familiesText, out var scaleFamilies) && scaleFamilies is >= 1 and <= 1000
    && int.TryParse(dashboardsText, out var dashboards) && dashboards is >= 1 and <= 200
    && int.TryParse(holdText, out var holdSeconds) && holdSeconds is >= 0 and <= 3600 && int.TryParse(uiPidText, out var uiPid))
{
    return await ModelConsole.Scenarios.UiScale.RunAsync(uiUrl, uiKey, scaleFamilies, dashboards, TimeSpan.FromSeconds(holdSeconds), uiPid);
}

if (args is not ["rollback", var baseUrl, var key, var runsText] || !int.TryParse(runsText, out var runs) || runs is < 1 or > 200)
{
    Console.Error.WriteLine("usage: ModelConsole.Scenarios rollback BASE_URL API_KEY RUNS(1-200) | soak BASE_URL API_KEY MINUTES(0-240) CONSOLE_PID | ui-scale BASE_URL API_KEY FAMILIES(1-1000) DASHBOARDS(1-200) HOLD_SECONDS(0-3600) CONSOLE_PID");
    return 2;
}

using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Add("X-Api-Key", key);
using var playwright = await Playwright.CreateAsync();
await using var browser = await ModelConsole.Scenarios.Browser.LaunchAsync(playwright);
await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
var page = await context.NewPageAsync();
await ModelConsole.Scenarios.Browser.SignInAsync(page);

var routeFlips = new List<double>();
var toasts = new List<double>();
var prefix = "scn-" + DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
for (var run = 0; run < runs; run++)
{
    var family = $"{prefix}-{run}";
    await Post("/api/v1/families", new { name = family });
    await Post("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } });
    await Post("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" });
    await Post($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
    await Post($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
    await Post($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5, reason = "scenario", @override = true });

    // A subject the canary serves, found by asking the console (5 % of subjects).
    string? subject = null;
    for (var s = 0; subject is null && s < 2_000; s++)
    {
        var answer = await http.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject=user-{s}");
        if ((string?)answer!["bundle"] == family + "-v2")
        {
            subject = $"user-{s}";
        }
    }

    if (subject is null)
    {
        Console.Error.WriteLine($"{family}: no subject routed to the canary");
        return 1;
    }

    await page.GotoAsync($"/families/{family}");
    await page.Locator("[data-interactive='true']").WaitForAsync();
    await Post("/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.01, "h").Concat(Calls(family + "-v2", 300, 0.01, "hc")) });

    var toast = page.GetByTestId("alert-toast").Filter(new() { HasText = $"{family}-v2 rolled back automatically" });
    var acknowledged = Stopwatch.StartNew();
    await Post("/api/v1/telemetry", new { events = Calls(family + "-v2", 300, 0.4, "bad") });
    acknowledged.Restart(); // (a) and (b) start when the breaching batch is acknowledged
    var toastTask = toast.WaitForAsync(new() { Timeout = 30_000 }).ContinueWith(_ => acknowledged.Elapsed.TotalMilliseconds, TaskScheduler.Default);
    double? flipped = null;
    while (acknowledged.Elapsed < TimeSpan.FromSeconds(30))
    {
        var answer = await http.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject={subject}");
        if ((string?)answer!["bundle"] == family + "-v1")
        {
            flipped = acknowledged.Elapsed.TotalMilliseconds;
            break;
        }

        await Task.Delay(5);
    }

    if (flipped is null)
    {
        Console.Error.WriteLine($"{family}: route did not flip within 30 s");
        return 1;
    }

    routeFlips.Add(flipped.Value);
    toasts.Add(await toastTask);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: route flipped after {flipped:0} ms, toast visible after {toasts[^1]:0} ms"));
}

Console.WriteLine(Summary("(a) breach batch acknowledged → route answers the restored bundle", routeFlips, 2_000));
Console.WriteLine(Summary("(b) breach batch acknowledged → toast visible in Chromium", toasts, 3_000));
return 0;

async Task Post(string url, object body)
{
    var response = await http.PostAsJsonAsync(url, body);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

static IEnumerable<object> Calls(string bundle, int count, double errorRate, string prefix) =>
    Enumerable.Range(0, count).Select(i => (object)new
    {
        requestId = $"{prefix}-{Guid.NewGuid():N}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-1), latencyMs = 400, inputTokens = 10,
        outputTokens = 5, costUsd = 0.001, success = i >= count * errorRate,
    });

static string Summary(string what, List<double> ms, double goal)
{
    var sorted = ms.Order().ToList();
    double P(double q) => sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1)];
    return string.Create(CultureInfo.InvariantCulture,
        $"{what}: {sorted.Count} runs, p50 {P(0.5):0} ms, p95 {P(0.95):0} ms, max {sorted[^1]:0} ms (goal p95 < {goal:0} ms)");
}
