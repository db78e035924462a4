using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// The catalog proven end to end on the real stack: output tokens per call (a metric added as one catalog entry) is
/// charted by the metrics endpoint, compared, judged by a rule and decided on by an experiment; and the planned
/// samples follow the family's rules, as the gates and the comparison say.
/// </summary>
public abstract class MetricCatalogApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private static IEnumerable<object> Calls(string bundle, int count, int outputTokens, string prefix, Func<int, string?>? subject = null, DateTime? at = null) =>
        Enumerable.Range(0, count).Select(i => new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = at ?? DateTime.UtcNow.AddSeconds(-5), latencyMs = 400, inputTokens = 100,
            // A spread around the mean: ±20 % on alternate calls.
            outputTokens = outputTokens + (i % 2 == 0 ? outputTokens / 5 : -outputTokens / 5), costUsd = 0.001, success = true,
            subject = subject?.Invoke(i),
        });

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException(what);
    }

    [Fact]
    public async Task OutputTokensMean_IsCharted_Compared_Judged_AndUsableInExperiments()
    {
        var family = await _client.CanaryFamilyAsync("tok", 20);
        // Only the new metric's rule, asking for a 20 % rise over 100 calls.
        var put = await _client.PutAsJsonAsync($"/api/v1/families/{family}/rules", new[] { new { metric = "outputTokensMean", action = "alert", minSamples = 100, consecutive = 1 } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        // Active answers 200 tokens on average, the canary 400 (a doubling).
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 1_000, 200, "a", i => "s" + (i % 300)).Concat(Calls(family + "-v2", 400, 400, "c", i => "t" + (i % 100))) }, HttpStatusCode.Accepted);

        var metrics = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{family}-v2/metrics"))!;
        var withCalls = metrics["points"]!.AsArray().Single(p => (long)p!["requests"]! > 0)!;
        Assert.Equal(400, (double)withCalls["metrics"]!["outputTokensMean"]!, 6);

        var comparison = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/comparison"))!;
        var row = comparison["metrics"]!.AsArray().Single(r => (string?)r!["metric"] == "outputTokensMean")!;
        Assert.Equal((200.0, 400.0), ((double)row["active"]!, (double)row["candidate"]!));
        Assert.True((double)row["pValue"]! < 1e-6);

        var alert = await EventuallyAsync(async () =>
            (await _client.GetFromJsonAsync<JsonArray>("/api/v1/alerts?state=firing"))!.FirstOrDefault(a => (string?)a!["family"] == family), "an alert on output tokens");
        Assert.Equal(("outputTokensMean", family + "-v2"), ((string?)alert!["metric"], (string?)alert["bundle"]));
        Assert.Contains("tokens", (string?)alert["derivation"], StringComparison.Ordinal);

        var created = await _client.PostAsJsonAsync("/api/v1/experiments", new
        {
            family, armB = family + "-v2", splitBPercent = 20, metric = "outputTokensMean", mde = 0.1, mdeType = "relative", alpha = 0.05, power = 0.8,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var experiment = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        // The live default is the active bundle's own mean, from the family's reference.
        Assert.Equal(200, (double)experiment["baseline"]!, 6);
        Assert.True((long)experiment["plannedPerArm"]! > 0);
        var id = (string)experiment["id"]!;
        var now = DateTime.UtcNow;
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 200, 200, "ea", i => "u" + i, now).Concat(Calls(family + "-v2", 60, 300, "eb", i => "w" + i, now)) }, HttpStatusCode.Accepted);
        var read = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!;
        Assert.Equal("subject", (string?)read["observed"]!["unit"]);
        Assert.Equal((200L, 60L), ((long)read["observed"]!["a"]!, (long)read["observed"]!["b"]!));
        Assert.Equal(100, (double)read["result"]!["estimate"]!, 6); // 300 − 200 tokens: per subject, only calls after the start
    }

    [Fact]
    public async Task RulesAsking5000Samples_RefuseShadowToCanaryAt200_AndTheComparisonSaysNotEnough()
    {
        var family = "ps-" + Guid.NewGuid().ToString("N")[..8];
        await _client.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await _client.PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } }, HttpStatusCode.Created);
        await _client.PostOkAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" }, HttpStatusCode.Created);
        await _client.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await _client.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        var put = await _client.PutAsJsonAsync($"/api/v1/families/{family}/rules", new object[]
        {
            new { metric = "errorRate", action = "rollback", minSamples = 5_000 },
            new { metric = "latencyP95", action = "alert", minSamples = 300 },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        // Stamped now: the samples gate counts from the minute the shadow began, which a few seconds back may precede.
        var now = DateTime.UtcNow;
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 300, 100, "a", at: now).Concat(Calls(family + "-v2", 200, 100, "s", at: now)) }, HttpStatusCode.Accepted);

        var refused = await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("200 of 5,000 planned samples", (string?)problem["detail"], StringComparison.Ordinal);
        var comparison = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/comparison"))!;
        Assert.Equal(5_000, (long)comparison["minSamples"]!);
        Assert.All(comparison["metrics"]!.AsArray(), r => Assert.False((bool)r!["enoughData"]!));

        // An attached plan is the planned samples: 150 passes at 200.
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/v1/bundles/{family}-v2/plan", new { perArm = 150 })).StatusCode);
        var passed = await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5 });
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
    }
}

public sealed class SqliteMetricCatalogApiTests(SqliteKeysFixture fixture) : MetricCatalogApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresMetricCatalogApiTests(PostgresKeysFixture fixture) : MetricCatalogApiTests(fixture), IClassFixture<PostgresKeysFixture>;
