using System.Diagnostics;
using System.Globalization;

namespace ModelConsole.Benchmarks;

/// <summary>
/// Sends requests at a fixed rate (open loop: a slow answer never delays the next request, so queueing in the
/// server shows in the latency) for a bounded time, and prints p50/p99 latency from each request's send. How late
/// the client itself sent (timer granularity) is printed apart, so it is neither hidden nor blamed on the server.
/// Usage: fixed-rate URL RATE SECONDS [HEADER:VALUE]
/// </summary>
public static class FixedRateClient
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var rate) || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var seconds)
            || rate is < 1 or > 100_000 || seconds is < 1 or > 300)
        {
            Console.Error.WriteLine("usage: fixed-rate URL RATE(1-100000) SECONDS(1-300) [Header:Value]");
            return 2;
        }

        var url = new Uri(args[0]);
        if (!url.IsLoopback)
        {
            Console.Error.WriteLine("fixed-rate only targets loopback addresses");
            return 2;
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        if (args.Length > 3 && args[3].Split(':', 2) is [var name, var value])
        {
            client.DefaultRequestHeaders.Add(name.Trim(), value.Trim());
        }

        var total = rate * seconds;
        var latencies = new double[total];
        var lateness = new double[total];
        var failures = 0;
        var tasks = new Task[total];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var scheduled = i * 1000.0 / rate;
            var wait = scheduled - clock.Elapsed.TotalMilliseconds;
            if (wait > 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            }

            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                var sent = clock.Elapsed.TotalMilliseconds;
                lateness[index] = Math.Max(0, sent - scheduled);
                try
                {
                    using var response = await client.GetAsync(url);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
                catch (TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }

                latencies[index] = clock.Elapsed.TotalMilliseconds - sent;
            });
        }

        await Task.WhenAll(tasks);
        Array.Sort(latencies);
        Array.Sort(lateness);
        double P(double[] sorted, double q) => sorted[Math.Min(total - 1, (int)Math.Ceiling(q * total) - 1)];
        var achieved = total / clock.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"fixed-rate: {total} requests at {rate}/s (achieved {achieved:F0}/s), p50 {P(latencies, 0.50):F2} ms, p99 {P(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms, non-2xx {failures}; client send lag p99 {P(lateness, 0.99):F2} ms"));
        return failures == 0 ? 0 : 1;
    }
}
