using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace ModelConsole.Benchmarks;

/// <summary>
/// Route latency while the heaviest reads the API's bounds allow run at once (issue "faults"): a family whose two
/// bundles have a call in every minute of the last DAYS days (posted through the real ingest as late events), then
/// route lookups at a fixed rate for SECONDS alone (the baseline), and again while eight clients loop over the longest
/// metrics span (2,000 daily steps) and week-long comparisons. Prints p50/p99 of both phases.
/// Usage: heavy-reads BASE_URL API_KEY DAYS SECONDS
/// </summary>
public static class HeavyReads
{
    private const int Rate = 200;
    private const int Readers = 8;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [var baseUrl, var key, var daysText, var secondsText] || !int.TryParse(daysText, C, out var days) || days is < 1 or > 400
            || !int.TryParse(secondsText, C, out var seconds) || seconds is < 1 or > 300 || !new Uri(baseUrl).IsLoopback)
        {
            Console.Error.WriteLine("usage: heavy-reads LOOPBACK_URL API_KEY DAYS(1-400) SECONDS(1-300)");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        const string family = "heavy";
        await PostAsync(http, "/api/v1/families", new { name = family });
        await PostAsync(http, "/api/v1/bundles", new { name = "heavy-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } });
        await PostAsync(http, "/api/v1/bundles", new { name = "heavy-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = "heavy-v1" });
        await PostAsync(http, "/api/v1/bundles/heavy-v1/transitions", new { to = "ACTIVE" });
        await PostAsync(http, "/api/v1/bundles/heavy-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        await PostAsync(http, "/api/v1/bundles/heavy-v2/transitions", new { to = "CANARY", percent = 10, @override = true, reason = "heavy reads" });

        var seeding = Stopwatch.StartNew();
        var now = DateTime.UtcNow;
        var minutes = days * 1440;
        foreach (var bundle in new[] { "heavy-v1", "heavy-v2" })
        {
            for (var first = 0; first < minutes; first += 10_000)
            {
                var events = Enumerable.Range(first, Math.Min(10_000, minutes - first)).Select(m => new
                {
                    requestId = $"{bundle}-{m}", bundle, timestamp = now.AddMinutes(-m), latencyMs = 100 + m % 900, inputTokens = 100, outputTokens = 20 + m % 50,
                    costUsd = 0.001, success = m % 97 != 0, qualityScore = (m % 10) / 10.0,
                });
                await PostAsync(http, "/api/v1/telemetry", new { events });
            }
        }

        Console.WriteLine(string.Create(C, $"seeded {2 * minutes:N0} minutes of calls ({days} days × 2 bundles) in {seeding.Elapsed.TotalSeconds:0.0} s"));
        var route = new Uri(new Uri(baseUrl), $"/api/v1/families/{family}/route?subject=u");
        var alone = await RouteLatencyAsync(http, route, seconds);
        Console.WriteLine(string.Create(C, $"route alone at {Rate}/s:                  p50 {alone.P50:0.0} ms, p99 {alone.P99:0.0} ms ({alone.Count} calls, {alone.Failures} failures)"));

        using var stop = new CancellationTokenSource();
        var heavy = 0;
        var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(async () =>
        {
            var from = DateTime.UtcNow.AddDays(-2_000).ToString("O", C);
            while (!stop.IsCancellationRequested)
            {
                var url = r % 2 == 0 ? $"/api/v1/bundles/heavy-v{1 + r % 4 / 2}/metrics?step=1440&from={Uri.EscapeDataString(from)}" : $"/api/v1/families/{family}/comparison?windowMinutes=10080";
                try
                {
                    using var response = await http.GetAsync(url, stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref heavy);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }
        })).ToList();
        await Task.Delay(1_000);
        var loaded = await RouteLatencyAsync(http, route, seconds);
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Console.WriteLine(string.Create(C, $"route with {Readers} heavy readers:          p50 {loaded.P50:0.0} ms, p99 {loaded.P99:0.0} ms ({loaded.Count} calls, {loaded.Failures} failures; {heavy} heavy reads answered) (goal p99 < 50 ms)"));
        return alone.Failures + loaded.Failures == 0 ? 0 : 1;
    }

    private static async Task<(double P50, double P99, int Count, int Failures)> RouteLatencyAsync(HttpClient http, Uri route, int seconds)
    {
        var total = Rate * seconds;
        var latencies = new double[total];
        var failures = 0;
        var tasks = new Task[total];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var scheduled = i * 1000.0 / Rate;
            var wait = scheduled - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                var sent = clock.Elapsed.TotalMilliseconds;
                try
                {
                    using var response = await http.GetAsync(route);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }

                // From the scheduled send: a request the client could not send on time counts as waiting.
                latencies[index] = clock.Elapsed.TotalMilliseconds - Math.Min(sent, scheduled);
            });
        }

        await Task.WhenAll(tasks);
        Array.Sort(latencies);
        return (latencies[total / 2], latencies[(int)Math.Ceiling(total * 0.99) - 1], total, failures);
    }

    private static async Task PostAsync(HttpClient http, string url, object body)
    {
        using var response = await http.PostAsJsonAsync(url, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
