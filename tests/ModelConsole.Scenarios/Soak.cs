using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;

namespace ModelConsole.Scenarios;

/// <summary>
/// The soak (issue "faults"): a console with its demo families and simulated gateways, plus, at fixed rates, route
/// lookups, telemetry batches, a dashboard left open in Chromium with pages opened in turn, and a hub client; every
/// 10 s the console's resident memory and the latencies of the interval are sampled. Fails on any error answer, or
/// when memory keeps growing after the warm-up (the first third of the run).
/// </summary>
public static class Soak
{
    private const int RoutesPerSecond = 100;
    private const int EventsPerBatch = 100;
    private static readonly TimeSpan Sample = TimeSpan.FromSeconds(10);
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string baseUrl, string key, TimeSpan length, int consolePid)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var families = (await http.GetFromJsonAsync<JsonArray>("/api/v1/families"))!;
        var family = families.Select(f => f!.AsObject()).First(f => f["active"] is not null);
        var name = (string)family["name"]!;
        var active = (string)family["active"]!;

        var hubEvents = 0;
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(baseUrl), "/hubs/alerts"), o => o.Headers["X-Api-Key"] = key)
            .WithAutomaticReconnect()
            .Build();
        foreach (var method in new[] { "alertRaised", "alertResolved", "stageChanged", "rollbackCompleted" })
        {
            hub.On<JsonElement>(method, _ => Interlocked.Increment(ref hubEvents));
        }

        await hub.StartAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        var dashboard = await context.NewPageAsync();
        await Browser.SignInAsync(dashboard);
        var pages = await context.NewPageAsync();
        string[] tour = ["/", $"/families/{name}", $"/bundles/{active}", "/alerts", "/compare", "/experiments"];

        var errors = new List<string>();
        var window = new Window();
        var rows = new List<(double Minute, double RssMb, Window Stats)>();
        using var stop = new CancellationTokenSource(length);
        var clock = Stopwatch.StartNew();

        var route = Task.Run(async () =>
        {
            var next = clock.Elapsed;
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                next += TimeSpan.FromSeconds(1.0 / RoutesPerSecond);
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, CancellationToken.None);
                }

                var started = clock.Elapsed;
                using var answer = await http.GetAsync($"/api/v1/families/{name}/route?subject=soak-{i % 5_000}", CancellationToken.None);
                window.Route((clock.Elapsed - started).TotalMilliseconds);
                if (!answer.IsSuccessStatusCode)
                {
                    lock (errors) { errors.Add($"route {(int)answer.StatusCode}"); }
                }
            }
        });

        var telemetry = Task.Run(async () =>
        {
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                var started = clock.Elapsed;
                var events = Enumerable.Range(0, EventsPerBatch).Select(i => new
                {
                    requestId = $"soak-{batch}-{i}", bundle = active, timestamp = DateTime.UtcNow, latencyMs = 300 + i, inputTokens = 100, outputTokens = 50,
                    success = i % 50 != 0, subject = "soak-" + i,
                });
                using var answer = await http.PostAsJsonAsync("/api/v1/telemetry", new { events }, CancellationToken.None);
                window.Telemetry((clock.Elapsed - started).TotalMilliseconds);
                if ((int)answer.StatusCode != 202)
                {
                    lock (errors) { errors.Add($"telemetry {(int)answer.StatusCode}"); }
                }

                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        });

        var browsing = Task.Run(async () =>
        {
            await dashboard.GotoAsync("/");
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var started = clock.Elapsed;
                var response = await pages.GotoAsync(tour[i % tour.Length]);
                await pages.Locator("[data-interactive='true']").WaitForAsync(new() { Timeout = 30_000 });
                window.Page((clock.Elapsed - started).TotalMilliseconds);
                if (response is { Ok: false })
                {
                    lock (errors) { errors.Add($"page {tour[i % tour.Length]} {response.Status}"); }
                }

                await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            }
        });

        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Sample, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }

            var stats = window.Take();
            stats.HubEvents = Interlocked.Exchange(ref hubEvents, 0);
            rows.Add((clock.Elapsed.TotalMinutes, ProcessMemory.RssMb(consolePid), stats));
            Console.WriteLine(string.Create(C,
                $"{clock.Elapsed.TotalMinutes,6:0.0} min  RSS {rows[^1].RssMb,6:0} MB  route p50 {stats.RouteP(0.5),6:0.0} p99 {stats.RouteP(0.99),7:0.0} ms ({stats.Routes} calls)  telemetry p99 {stats.TelemetryP(0.99),6:0} ms  page p99 {stats.PageP(0.99),6:0} ms  hub events {stats.HubEvents}"));
        }

        await Task.WhenAll(route, telemetry, browsing);
        var warm = rows.Where(r => r.Minute >= length.TotalMinutes / 3).ToList();
        var afterWarmUp = warm.Count > 0 ? warm[0].RssMb : rows[^1].RssMb;
        var last = rows[^1].RssMb;
        var all = Window.Merge(rows.Select(r => r.Stats));
        Console.WriteLine(string.Create(C,
            $"soak {length.TotalMinutes:0.#} min: RSS {rows[0].RssMb:0} MB at the first sample, {afterWarmUp:0} MB after warm-up, {last:0} MB at the end (max {rows.Max(r => r.RssMb):0} MB); "
            + $"route p50 {all.RouteP(0.5):0.0} ms, p99 {all.RouteP(0.99):0.0} ms over {all.Routes:N0} calls; telemetry p99 {all.TelemetryP(0.99):0} ms; page p99 {all.PageP(0.99):0} ms; {errors.Count} errors"));
        if (errors.Count > 0)
        {
            Console.Error.WriteLine("errors: " + string.Join(", ", errors.Take(20)));
            return 1;
        }

        // Flat after warm-up: the end within a fifth (and 40 MB of GC slack) of where the warm-up left it.
        if (last > afterWarmUp * 1.2 + 40)
        {
            Console.Error.WriteLine(string.Create(C, $"memory grew after warm-up: {afterWarmUp:0} MB → {last:0} MB"));
            return 1;
        }

        return 0;
    }

    /// <summary>Latencies of one sampling interval.</summary>
    private sealed class Window
    {
        private readonly List<double> _route = [];
        private readonly List<double> _telemetry = [];
        private readonly List<double> _page = [];

        public int HubEvents { get; set; }

        public int Routes => _route.Count;

        public void Route(double ms) { lock (_route) { _route.Add(ms); } }

        public void Telemetry(double ms) { lock (_telemetry) { _telemetry.Add(ms); } }

        public void Page(double ms) { lock (_page) { _page.Add(ms); } }

        public Window Take()
        {
            var taken = new Window();
            lock (_route) { taken._route.AddRange(_route); _route.Clear(); }
            lock (_telemetry) { taken._telemetry.AddRange(_telemetry); _telemetry.Clear(); }
            lock (_page) { taken._page.AddRange(_page); _page.Clear(); }
            return taken;
        }

        public static Window Merge(IEnumerable<Window> windows)
        {
            var all = new Window();
            foreach (var w in windows)
            {
                all._route.AddRange(w._route);
                all._telemetry.AddRange(w._telemetry);
                all._page.AddRange(w._page);
            }

            return all;
        }

        public double RouteP(double q) => P(_route, q);

        public double TelemetryP(double q) => P(_telemetry, q);

        public double PageP(double q) => P(_page, q);

        private static double P(List<double> values, double q)
        {
            if (values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = values.Order().ToList();
            return sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1)];
        }
    }
}
