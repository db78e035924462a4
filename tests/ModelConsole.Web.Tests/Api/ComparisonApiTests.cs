using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// The comparison endpoint over the real HTTP stack on each provider, on data whose answers are worked out by hand
/// (z and intervals with the normal and t quantiles written down below; McNemar's p from erfc).
/// </summary>
public abstract class ComparisonApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task PostOkAsync(string url, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await _client.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == expected, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A family with v1 ACTIVE and v2 registered (the candidate to be).</summary>
    private async Task<string> FamilyAsync()
    {
        var family = Unique("cmp");
        await PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        foreach (var (name, model, parent) in new[] { ($"{family}-v1", "gpt-4o", (string?)null), ($"{family}-v2", "gpt-4.1", $"{family}-v1") })
        {
            await PostOkAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = model, prompt = "p", config = new { }, parent }, HttpStatusCode.Created);
        }

        await PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        return family;
    }

    /// <summary>
    /// 200 primary calls (10 failed, 5 of them among the first 100; cost $0.01 for 100 and $0.02 for 100; quality
    /// 0.8 on 40 paired calls and 0.85 on 60 unpaired ones) and 100 shadow calls mirroring the first 100 (20 failed:
    /// pairs 0–1 and 10–27; quality 0.7 or 0.75 on the 40 scored pairs; latency +100 or +300 ms; the same output on
    /// 80 pairs; cost $0.02 each).
    /// </summary>
    private static (List<object> Primaries, List<object> Shadows) KnownEvents(string family)
    {
        var at = DateTime.UtcNow.AddMinutes(-3);
        var primaries = new List<object>();
        var shadows = new List<object>();
        for (var i = 0; i < 200; i++)
        {
            var failed = i < 5 || (i >= 100 && i < 105);
            double? quality = failed ? null : i is >= 40 and < 80 ? 0.8 : i is >= 110 and < 170 ? 0.85 : null;
            primaries.Add(new
            {
                requestId = $"{family}-r{i}", bundle = $"{family}-v1", timestamp = at, latencyMs = 1000, inputTokens = 100, outputTokens = 10,
                costUsd = i % 2 == 0 ? 0.01 : 0.02, success = !failed, qualityScore = quality, outputHash = $"h{i}",
            });
        }

        for (var i = 0; i < 100; i++)
        {
            var failed = i < 2 || i is >= 10 and < 28;
            double? quality = i is >= 40 and < 80 ? (i < 60 ? 0.7 : 0.75) : null;
            shadows.Add(new
            {
                requestId = $"{family}-s{i}", bundle = $"{family}-v2", timestamp = at, latencyMs = 1000 + (i % 2 == 0 ? 100 : 300),
                inputTokens = 100, outputTokens = 10, costUsd = 0.02, success = !failed, qualityScore = quality,
                outputHash = i >= 80 && i < 100 ? $"other{i}" : $"h{i}", shadowOf = $"{family}-r{i}",
            });
        }

        return (primaries, shadows);
    }

    private static JsonObject Row(JsonObject answer, string metric) =>
        answer["metrics"]!.AsArray().Single(r => (string?)r!["metric"] == metric)!.AsObject();

    private static double D(JsonNode? node) => node!.GetValue<double>();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Shadow_AgainstActive_OnKnownData_InEitherArrivalOrder(bool shadowsFirst)
    {
        var family = await FamilyAsync();
        await PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 50 });
        var (primaries, shadows) = KnownEvents(family);
        foreach (var batch in shadowsFirst ? new[] { shadows, primaries } : [primaries, shadows])
        {
            await PostOkAsync("/api/v1/telemetry", new { events = batch }, HttpStatusCode.Accepted);
        }

        var answer = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/comparison?windowMinutes=30"))!;
        Assert.Equal($"{family}-v1", (string?)answer["active"]);
        Assert.Equal($"{family}-v2", (string?)answer["candidate"]);
        Assert.Equal("SHADOW", (string?)answer["candidateStage"]);
        Assert.Equal(30, answer["windowMinutes"]!.GetValue<int>());

        // Error rate: 10 of 200 against 20 of 100. Pooled p = 0.1, z = 0.15 / √(0.09 · 0.015) = 4.0825; p = 4.4557e-05;
        // the unpooled interval 0.15 ± 1.959964 · √(0.05·0.95/200 + 0.2·0.8/100).
        var errors = Row(answer, "errorRate");
        Assert.Equal(0.05, D(errors["active"]), 10);
        Assert.Equal(0.20, D(errors["candidate"]), 10);
        Assert.Equal(0.15, D(errors["delta"]), 10);
        Assert.Equal(3.0, D(errors["relativeDelta"]), 10);
        Assert.Equal(4.4557e-05, D(errors["pValue"]), 8);
        Assert.Equal(0.065984, D(errors["ciLow"]), 5);
        Assert.Equal(0.234016, D(errors["ciHigh"]), 5);
        Assert.Equal((200, 100), (errors["samplesActive"]!.GetValue<long>(), errors["samplesCandidate"]!.GetValue<long>()));
        Assert.False(errors["enoughData"]!.GetValue<bool>()); // 100 < the default 200 samples

        // Means straight from the data: quality (40 × 0.8 + 60 × 0.85) / 100 against (20 × 0.7 + 20 × 0.75) / 40, cost 0.015 against 0.02.
        Assert.Equal(0.83, D(Row(answer, "qualityMean")["active"]), 10);
        Assert.Equal(0.725, D(Row(answer, "qualityMean")["candidate"]), 10);
        Assert.Equal(0.015, D(Row(answer, "costPerCall")["active"]), 10);
        Assert.Equal(0.005, D(Row(answer, "costPerCall")["delta"]), 10);
        Assert.True(D(Row(answer, "qualityMean")["pValue"]) < 1e-6);
        // Latency percentiles come from the histograms (±2 %): 1,000 ms everywhere against 1,100 or 1,300.
        Assert.InRange(D(Row(answer, "latencyP50")["active"]), 980, 1020);
        Assert.InRange(D(Row(answer, "latencyP95")["candidate"]), 1274, 1326);
        Assert.Null(Row(answer, "latencyP95")["pValue"]);

        var paired = answer["paired"]!.AsObject();
        Assert.Equal(100, paired["pairs"]!.GetValue<long>());
        Assert.Equal(0.8, D(paired["agreement"]), 10);
        // Success: 77 both, 18 only the active, 3 only the shadow, 2 neither. McNemar (|18 − 3| − 1)² / 21 = 9.3333, p = erfc(√(9.3333/2)).
        Assert.Equal((18, 3), (paired["successOnlyActive"]!.GetValue<long>(), paired["successOnlyCandidate"]!.GetValue<long>()));
        Assert.Equal(9.333333, D(paired["mcNemar"]!["statistic"]), 5);
        Assert.Equal(0.0022502, D(paired["mcNemar"]!["pValue"]), 6);
        // Quality on 40 scored pairs: differences −0.1 (20) and −0.05 (20): mean −0.075, sd 0.0253185, t(0.975, 39) = 2.022691.
        var quality = paired["quality"]!.AsObject();
        Assert.Equal(40, quality["pairs"]!.GetValue<long>());
        Assert.Equal(-0.075, D(quality["meanDifference"]), 10);
        Assert.Equal(-0.0830972, D(quality["ciLow"]), 6);
        Assert.Equal(-0.0669028, D(quality["ciHigh"]), 6);
        // Latency on 100 pairs: +100 and +300 ms: mean 200, sd 100.5038, t(0.975, 99) = 1.984217.
        var latency = paired["latencyMs"]!.AsObject();
        Assert.Equal(200, D(latency["meanDifference"]), 8);
        Assert.Equal(180.0579, D(latency["ciLow"]), 3);
        Assert.Equal(219.9421, D(latency["ciHigh"]), 3);
    }

    [Fact]
    public async Task Canary_IsTheDefaultCandidate_WithoutAPairedSection()
    {
        var family = await FamilyAsync();
        await PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 50 });
        await PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5, reason = "test", @override = true });
        var (primaries, _) = KnownEvents(family);
        await PostOkAsync("/api/v1/telemetry", new { events = primaries }, HttpStatusCode.Accepted);

        var answer = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/comparison"))!;
        Assert.Equal("CANARY", (string?)answer["candidateStage"]);
        Assert.Equal(60, answer["windowMinutes"]!.GetValue<int>());
        Assert.Null(answer["paired"]);
        // No candidate data yet: values and statistics are null, samples 0.
        var errors = Row(answer, "errorRate");
        Assert.Null(errors["candidate"]);
        Assert.Null(errors["pValue"]);
        Assert.Equal(0, errors["samplesCandidate"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("?windowMinutes=0", "windowMinutes")]
    [InlineData("?windowMinutes=10081", "windowMinutes")]
    [InlineData("?confidence=1", "confidence")]
    [InlineData("?confidence=0.2", "confidence")]
    [InlineData("?candidate=no-such-bundle", "candidate")]
    [InlineData("?candidate={family}-v1", "candidate")]
    public async Task BadQueries_Are400_OnTheirField(string query, string field)
    {
        var family = await FamilyAsync();
        await PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 50 });
        var response = await _client.GetAsync($"/api/v1/families/{family}/comparison{query.Replace("{family}", family, StringComparison.Ordinal)}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task UnknownFamily_Is404_AndNoCandidate_Is409()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/families/no-such-family/comparison")).StatusCode);
        var family = await FamilyAsync();
        var response = await _client.GetAsync($"/api/v1/families/{family}/comparison");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("no candidate", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class SqliteComparisonApiTests(SqliteKeysFixture fixture) : ComparisonApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresComparisonApiTests(PostgresKeysFixture fixture) : ComparisonApiTests(fixture), IClassFixture<PostgresKeysFixture>;
