using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Jobs;
using ModelConsole.Web.Tests.Infrastructure;
using Quartz;

namespace ModelConsole.Web.Tests.Api;

/// <summary>Telemetry ingest and the metrics API over the real HTTP stack, on each provider, checked by brute force.</summary>
public abstract class TelemetryApiTests(KeysFixture fixture)
{
    private const double InputPrice = 2.5, CachedPrice = 1.25, OutputPrice = 10;

    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A family with a priced bundle (and a second one for shadows).</summary>
    private async Task<(string Family, string Bundle, string Shadow)> FamilyAsync()
    {
        var family = Unique("tf");
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/families", new { name = family })).StatusCode);
        var bundle = family + "-v1";
        var shadow = family + "-v2";
        foreach (var (name, model, parent) in new[] { (bundle, "gpt-4o", (string?)null), (shadow, "gpt-4.1", bundle) })
        {
            var response = await _client.PostAsJsonAsync("/api/v1/bundles", new
            {
                name, family, provider = "openai", modelId = model, prompt = "p", config = new { }, parent,
                pricing = new { inputPerMillion = InputPrice, outputPerMillion = OutputPrice, cachedInputPerMillion = CachedPrice },
            });
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        return (family, bundle, shadow);
    }

    private sealed record Sent(string RequestId, DateTime Timestamp, double LatencyMs, long Input, long Cached, long Output, double? CostUsd,
        bool Success, string? ErrorType, double? Quality, string? Feedback);

    private static object Wire(Sent e, string bundle, string? shadowOf = null, string? outputHash = null) => new
    {
        requestId = e.RequestId, bundle, timestamp = e.Timestamp, latencyMs = e.LatencyMs, inputTokens = e.Input, outputTokens = e.Output,
        cachedInputTokens = e.Cached, costUsd = e.CostUsd, success = e.Success, errorType = e.ErrorType, qualityScore = e.Quality,
        feedback = e.Feedback, shadowOf, outputHash,
    };

    private async Task<JsonObject> PostAsync(object batch, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/telemetry", batch);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static List<Sent> RandomEvents(int count, DateTime from, int minutes, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            var input = random.Next(10, 5000);
            var failed = random.NextDouble() < 0.07;
            return new Sent(
                $"r-{seed}-{i}",
                from.AddSeconds(random.Next(minutes * 60)).AddMilliseconds(random.Next(1000)),
                Math.Round(Math.Exp(3 + random.NextDouble() * 6), 3), // 20 ms to 8 s, spread over many buckets
                input,
                random.Next(0, input + 1),
                random.Next(1, 2000),
                random.NextDouble() < 0.5 ? Math.Round(random.NextDouble() / 100, 6) : null,
                !failed,
                failed ? (random.NextDouble() < 0.5 ? "timeout" : null) : null,
                random.NextDouble() < 0.6 ? Math.Round(random.NextDouble(), 4) : null,
                random.NextDouble() switch { < 0.1 => "negative", < 0.3 => "positive", _ => null });
        }).ToList();
    }

    private static double Cost(Sent e) => e.CostUsd ?? ((e.Input - e.Cached) * InputPrice + e.Cached * CachedPrice + e.Output * OutputPrice) / 1e6;

    private static double NearestRank(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Ceiling(q * sorted.Count) - 1];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Rollups_MatchABruteForceComputation_OverRandomEvents(int step)
    {
        var (_, bundle, _) = await FamilyAsync();
        var start = DateTime.UtcNow.AddMinutes(-40);
        start = new DateTime(start.Year, start.Month, start.Day, start.Hour, start.Minute / 10 * 10, 0, DateTimeKind.Utc); // aligned to every step
        var events = RandomEvents(3000, start, 20, seed: step);
        foreach (var chunk in events.Chunk(1000))
        {
            var answer = await PostAsync(new { batchId = Unique("b"), events = chunk.Select(e => Wire(e, bundle)) });
            Assert.Equal((chunk.Length, 0, 0), (answer["accepted"]!.GetValue<int>(), answer["duplicates"]!.GetValue<int>(), answer["rejected"]!.AsArray().Count));
        }

        var from = start.AddMinutes(-10);
        var to = start.AddMinutes(30);
        var metrics = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{bundle}/metrics?from={from:O}&to={to:O}&step={step}"))!;
        Assert.Equal(bundle, metrics["bundle"]!.GetValue<string>());
        var points = metrics["points"]!.AsArray();
        Assert.Equal(40 / step, points.Count);
        foreach (var point in points)
        {
            var t = point!["t"]!.GetValue<DateTime>().ToUniversalTime();
            Assert.Equal(0, (t.Hour * 60 + t.Minute) % step);
            var inStep = events.Where(e => e.Timestamp >= t && e.Timestamp < t.AddMinutes(step)).ToList();
            Assert.Equal(inStep.Count, point["requests"]!.GetValue<long>());
            Assert.Equal(inStep.Count(e => !e.Success), point["errors"]!.GetValue<long>());
            Assert.Equal(inStep.Sum(e => e.Input), point["inputTokens"]!.GetValue<long>());
            Assert.Equal(inStep.Sum(e => e.Output), point["outputTokens"]!.GetValue<long>());
            Assert.Equal(inStep.Count(e => e.Feedback == "negative"), point["negativeFeedback"]!.GetValue<long>());
            if (inStep.Count == 0)
            {
                Assert.All(new[] { "errorRate", "latencyP50Ms", "latencyP95Ms", "qualityMean", "costUsd" }, m => Assert.Null(point[m]));
                continue;
            }

            Assert.Equal((double)inStep.Count(e => !e.Success) / inStep.Count, point["errorRate"]!.GetValue<double>(), 12);
            Assert.Equal(inStep.Sum(Cost), point["costUsd"]!.GetValue<double>(), 9);
            var scored = inStep.Where(e => e.Quality is not null).ToList();
            Assert.Equal(scored.Average(e => e.Quality!.Value), point["qualityMean"]!.GetValue<double>(), 9);
            foreach (var (q, field) in new[] { (0.5, "latencyP50Ms"), (0.95, "latencyP95Ms") })
            {
                var exact = NearestRank(inStep.Select(e => e.LatencyMs), q);
                var fromHistogram = point[field]!.GetValue<double>();
                Assert.True(Math.Abs(fromHistogram - exact) <= 0.02 * exact, $"{field} {fromHistogram} vs exact {exact} at {t:O}");
            }
        }

        Assert.Equal(events.Count, points.Sum(p => p!["requests"]!.GetValue<long>()));
    }

    [Fact]
    public async Task ReSentEvents_AreDuplicates_AndCountedOnce()
    {
        var (_, bundle, _) = await FamilyAsync();
        var events = RandomEvents(50, DateTime.UtcNow.AddMinutes(-5), 3, seed: 7);
        var batch = new { events = events.Select(e => Wire(e, bundle)) };
        Assert.Equal(50, (await PostAsync(batch))["accepted"]!.GetValue<int>());

        var again = await PostAsync(new { events = events.Take(20).Concat(events.Take(5)).Select(e => Wire(e, bundle)).Append(Wire(events[0] with { RequestId = "fresh-" + Guid.NewGuid() }, bundle)) });
        Assert.Equal((1, 25), (again["accepted"]!.GetValue<int>(), again["duplicates"]!.GetValue<int>()));

        // The same request twice in one batch: stored once.
        var twin = events[0] with { RequestId = "twin-" + Guid.NewGuid() };
        var twins = await PostAsync(new { events = new[] { Wire(twin, bundle), Wire(twin, bundle) } });
        Assert.Equal((1, 1), (twins["accepted"]!.GetValue<int>(), twins["duplicates"]!.GetValue<int>()));

        Assert.Equal(52, await StoredRequestsAsync(bundle));
    }

    [Fact]
    public async Task FamilyTraffic_SumsTheFamilysServedRequestsPerMinute()
    {
        var (family, bundle, other) = await FamilyAsync();
        var start = DateTime.UtcNow.AddMinutes(-20);
        var events = RandomEvents(80, start, 10, seed: 21).Select(e => e with { RequestId = Unique("t") }).ToList();
        await PostAsync(new { events = events.Take(60).Select(e => Wire(e, bundle)).Concat(events.Skip(60).Select(e => Wire(e, other))) });

        // Read within one minute, so the window the service used is the one computed here.
        IReadOnlyDictionary<string, ModelConsole.Web.Services.FamilyTraffic> traffic;
        DateTime first;
        do
        {
            first = Core.Telemetry.MinuteRollup.MinuteOf(DateTime.UtcNow).AddMinutes(-59);
            traffic = await fixture.Factory.Services.GetRequiredService<ModelConsole.Web.Services.TelemetryService>().TrafficAsync(60, CancellationToken.None);
        }
        while (first != Core.Telemetry.MinuteRollup.MinuteOf(DateTime.UtcNow).AddMinutes(-59));

        var mine = traffic[family];
        Assert.Equal(80, mine.Requests);
        Assert.Equal(events.Count(e => !e.Success), mine.Errors);
        Assert.Equal(60, mine.PerMinute.Count);
        Assert.Equal(80, mine.PerMinute.Sum());
        // Per minute, by brute force over what was sent (the last element is the minute in progress).
        foreach (var group in events.GroupBy(e => Core.Telemetry.MinuteRollup.MinuteOf(e.Timestamp)))
        {
            Assert.Equal(group.Count(), mine.PerMinute[(int)(group.Key - first).TotalMinutes]);
        }
    }

    private async Task<long> StoredRequestsAsync(string bundle)
    {
        var metrics = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{bundle}/metrics?step=60&from={DateTime.UtcNow.AddHours(-3):O}&to={DateTime.UtcNow.AddHours(1):O}"))!;
        return metrics["points"]!.AsArray().Sum(p => p!["requests"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ShadowEvents_ArePairedWithTheirPrimary_InEitherArrivalOrder(bool shadowFirst)
    {
        var (_, bundle, shadow) = await FamilyAsync();
        var primaries = RandomEvents(30, DateTime.UtcNow.AddMinutes(-3), 2, seed: 11).Select(e => e with { RequestId = Unique("p") }).ToList();
        var shadows = primaries.Select(p => Wire(p with { RequestId = p.RequestId + "-s" }, shadow, shadowOf: p.RequestId, outputHash: "h-" + p.RequestId)).ToList();
        var first = shadowFirst ? shadows : primaries.Select(p => Wire(p, bundle)).ToList();
        var second = shadowFirst ? primaries.Select(p => Wire(p, bundle)).ToList() : shadows;

        await PostAsync(new { events = first });
        await PostAsync(new { events = second });

        var factory = fixture.Factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var stored = await db.TelemetryEvents.AsNoTracking().Where(e => primaries.Select(p => p.RequestId).Contains(e.RequestId) || primaries.Select(p => p.RequestId + "-s").Contains(e.RequestId)).ToListAsync();
        var byRequest = stored.ToDictionary(e => e.RequestId);
        Assert.Equal(60, stored.Count);
        foreach (var p in primaries)
        {
            var s = byRequest[p.RequestId + "-s"];
            Assert.Equal(byRequest[p.RequestId].Id, s.PrimaryEventId);
            Assert.Equal("h-" + p.RequestId, s.OutputHash);
            Assert.Null(byRequest[p.RequestId].PrimaryEventId);
        }
    }

    [Fact]
    public async Task InvalidEvents_AreRejectedByIndexWithReasons_AndTheRestStored()
    {
        var (_, bundle, _) = await FamilyAsync();
        var good = RandomEvents(1, DateTime.UtcNow.AddMinutes(-1), 1, seed: 3)[0];
        JsonObject Event(Action<JsonObject> change)
        {
            var e = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Wire(good with { RequestId = Unique("bad") }, bundle), System.Text.Json.JsonSerializerOptions.Web))!.AsObject();
            change(e);
            return e;
        }

        var cases = new (string Field, JsonNode? Event)[]
        {
            ("", Event(_ => { })), // valid
            ("latencyMs", Event(e => e["latencyMs"] = -1)),
            ("inputTokens", Event(e => e["inputTokens"] = -5)),
            ("outputTokens", Event(e => e["outputTokens"] = 1.5)),
            ("latencyMs", Event(e => e["latencyMs"] = "NaN")),
            ("costUsd", Event(e => e["costUsd"] = "Infinity")),
            ("qualityScore", Event(e => e["qualityScore"] = 1.5)),
            ("agreement", Event(e => e["agreement"] = -0.1)),
            ("bundle", Event(e => e["bundle"] = "no-such-bundle")),
            ("timestamp", Event(e => e["timestamp"] = DateTime.UtcNow.AddMinutes(30))),
            ("requestId", Event(e => e.Remove("requestId"))),
            ("cachedInputTokens", Event(e => { e["inputTokens"] = 10; e["cachedInputTokens"] = 11; })),
            ("feedback", Event(e => e["feedback"] = "meh")),
            ("success", Event(e => e["success"] = "yes")),
            ("timestamp", Event(e => e["timestamp"] = "2026-11-25T10:00:00")),
            ("event", JsonValue.Create(42)),
            ("", Event(_ => { })), // valid
        };

        var answer = await PostAsync(new JsonObject { ["events"] = new JsonArray(cases.Select(c => c.Event?.DeepClone()).ToArray()) });
        Assert.Equal(2, answer["accepted"]!.GetValue<int>());
        var rejected = answer["rejected"]!.AsArray().ToDictionary(r => r!["index"]!.GetValue<int>(), r => r!["errors"]!.AsObject());
        for (var i = 0; i < cases.Length; i++)
        {
            if (cases[i].Field == "")
            {
                Assert.False(rejected.ContainsKey(i), $"event {i} should be stored");
            }
            else
            {
                Assert.True(rejected.TryGetValue(i, out var errors), $"event {i} ({cases[i].Field}) should be rejected");
                Assert.True(errors.ContainsKey(cases[i].Field), $"event {i}: {errors.ToJsonString()}");
            }
        }

        Assert.Equal(2, await StoredRequestsAsync(bundle));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"events\": 5}")]
    [InlineData("{\"batchId\": \"x\"}")]
    [InlineData("{\"events\": [ {\"requestId\": \"a\" } ")]
    [InlineData("not json")]
    public async Task ABodyThatIsNotABatch_Is400_AndNothingIsStored(string body)
    {
        var (_, bundle, _) = await FamilyAsync();
        var response = await _client.PostAsync("/api/v1/telemetry", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await StoredRequestsAsync(bundle));
    }

    [Fact]
    public async Task MoreThanTenThousandEvents_Is413_AndNothingIsStored()
    {
        var (_, bundle, _) = await FamilyAsync();
        var events = RandomEvents(10_001, DateTime.UtcNow.AddMinutes(-2), 1, seed: 5);
        var response = await _client.PostAsJsonAsync("/api/v1/telemetry", new { events = events.Select(e => Wire(e, bundle)) });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await StoredRequestsAsync(bundle));

        var exactly = await PostAsync(new { events = events.Take(10_000).Select(e => Wire(e, bundle)) });
        Assert.Equal(10_000, exactly["accepted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Metrics_AnswerProblems_ForBadQueries()
    {
        var (_, bundle, _) = await FamilyAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/bundles/no-such-bundle/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?step=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?step=1441")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?step=abc")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?from=2026-01-01T00:00:00Z&to=2026-11-25T09:00:00Z&step=1")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/bundles/{bundle}/metrics?from=yesterday")).StatusCode);

        var fresh = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{bundle}/metrics"))!;
        Assert.Equal(1, fresh["step"]!.GetValue<int>());
        Assert.InRange(fresh["points"]!.AsArray().Count, 60, 61);
    }
}

public sealed class SqliteTelemetryApiTests(SqliteKeysFixture fixture) : TelemetryApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresTelemetryApiTests(PostgresKeysFixture fixture) : TelemetryApiTests(fixture), IClassFixture<PostgresKeysFixture>;

/// <summary>Limits and retention, each with its own console.</summary>
public sealed class TelemetryLimitsTests
{
    [Fact]
    public async Task ABodyOverMaxBodyBytes_Is413_AndNothingIsStored()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = new ConsoleFactory(database, new Dictionary<string, string?> { ["Telemetry:MaxBodyBytes"] = "2048" });
        var client = factory.CreateKeyClient();
        var padding = new string('x', 3000);
        var response = await client.PostAsync("/api/v1/telemetry", new StringContent($"{{\"batchId\":\"{padding}\",\"events\":[]}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        // Without a declared length (chunked), the limit still holds while reading.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($"{{\"batchId\":\"{padding}\",\"events\":[]}}")));
        chunked.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/telemetry") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(request)).StatusCode);

        var small = await client.PostAsync("/api/v1/telemetry", new StringContent("{\"events\":[]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
    }

    [Fact]
    public async Task ThePruneJob_DeletesRawEventsPastRetention_AndKeepsRollups()
    {
        await using var database = TestDatabase.CreateSqlite();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var factory = new ConsoleFactory(database, new Dictionary<string, string?> { ["Telemetry:RawRetentionHours"] = "2" })
            .WithClock(clock);
        var client = factory.CreateKeyClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/families", new { name = "prune" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/bundles", new { name = "prune-v1", family = "prune", provider = "openai", modelId = "m", prompt = "p", config = new { } })).StatusCode);
        object Batch(string prefix, int n) => new
        {
            events = Enumerable.Range(0, n).Select(i => new { requestId = $"{prefix}-{i}", bundle = "prune-v1", timestamp = clock.GetUtcNow().UtcDateTime, latencyMs = 100, inputTokens = 1, outputTokens = 1, success = true }),
        };
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/telemetry", Batch("old", 7000))).StatusCode);
        clock.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/telemetry", Batch("new", 30))).StatusCode);
        clock.Advance(TimeSpan.FromHours(1));

        var job = factory.Services.GetRequiredService<TelemetryPruneJob>();
        Assert.Equal(7000, await job.PruneAsync(CancellationToken.None));
        Assert.Equal(0, await job.PruneAsync(CancellationToken.None));

        var contexts = factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        Assert.Equal(30, await db.TelemetryEvents.CountAsync());
        Assert.Equal(7030, await db.Rollups.SumAsync(r => r.Requests));

        var scheduler = factory.Services.GetRequiredService<ISchedulerFactory>();
        var quartz = await scheduler.GetScheduler();
        Assert.NotNull(await quartz.GetJobDetail(TelemetryPruneJob.Key));
        Assert.Single(await quartz.GetTriggersOfJob(TelemetryPruneJob.Key));
    }
}
