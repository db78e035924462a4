using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// "Acknowledged means committed": the console runs as its own process, is killed with SIGKILL while senders post,
/// and restarts on the same SQLite file. Every acknowledged event must be there exactly once, and re-sending every
/// batch (acknowledged or not) must leave each event counted once.
/// </summary>
public sealed class IngestDurabilityTests
{
    private const string Bundle = "durable-v1";
    private const int BatchSize = 200;

    [Fact]
    public async Task KilledWhilePosting_EveryAcknowledgedEventIsCountedExactlyOnce()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var console = new ConsoleProcess(database);
        var client = console.Client;
        await console.StartAsync();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/families", new { name = "durable" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/bundles", new { name = Bundle, family = "durable", provider = "openai", modelId = "m", prompt = "p", config = new { } })).StatusCode);

        var timestamp = DateTime.UtcNow;
        var sent = new List<int>();
        var acknowledged = new HashSet<int>();
        var next = 0;
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                int batch;
                lock (sent)
                {
                    batch = next++;
                    sent.Add(batch);
                }

                try
                {
                    var response = await client.PostAsJsonAsync("/api/v1/telemetry", Batch(batch, timestamp));
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                        Assert.Equal(BatchSize, answer["accepted"]!.GetValue<int>());
                        lock (sent)
                        {
                            acknowledged.Add(batch);
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    return; // the server is gone: this batch is unacknowledged
                }
            }
        })).ToList();

        // Kill in the middle of the flow, not between batches: wait until plenty have been acknowledged.
        var deadline = Stopwatch.StartNew();
        while (acknowledged.Count < 30 && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20);
        }

        await console.KillAsync(); // SIGKILL on Linux: no shutdown, no flush
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        Assert.True(acknowledged.Count >= 30, "the senders never got going");

        await console.StartAsync();
        {
            var stored = await StoredAsync(client);
            var acknowledgedEvents = acknowledged.Count * BatchSize;
            // Batches in flight at the kill may or may not have committed, but whole or not at all.
            Assert.InRange(stored, acknowledgedEvents, sent.Count * BatchSize);
            Assert.Equal(0, stored % BatchSize);

            var duplicates = 0;
            foreach (var batch in sent)
            {
                var answer = (await (await client.PostAsJsonAsync("/api/v1/telemetry", Batch(batch, timestamp))).Content.ReadFromJsonAsync<JsonObject>())!;
                duplicates += answer["duplicates"]!.GetValue<int>();
                if (acknowledged.Contains(batch))
                {
                    Assert.Equal(BatchSize, answer["duplicates"]!.GetValue<int>());
                }
            }

            Assert.Equal(stored, duplicates);
            Assert.Equal(sent.Count * BatchSize, await StoredAsync(client));
        }
    }

    private static object Batch(int batch, DateTime timestamp) => new
    {
        batchId = $"batch-{batch}",
        events = Enumerable.Range(0, BatchSize).Select(i => new
        {
            requestId = $"d-{batch}-{i}", bundle = Bundle, timestamp, latencyMs = 100 + i, inputTokens = 10, outputTokens = 5, success = true,
        }),
    };

    private static async Task<long> StoredAsync(HttpClient client)
    {
        var metrics = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{Bundle}/metrics?step=60&from={DateTime.UtcNow.AddHours(-2):O}&to={DateTime.UtcNow.AddHours(1):O}"))!;
        return metrics["points"]!.AsArray().Sum(p => p!["requests"]!.GetValue<long>());
    }
}
