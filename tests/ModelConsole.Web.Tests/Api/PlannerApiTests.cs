using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>The planner endpoints over the real HTTP stack: published reference values, bad input, and plans feeding the gate.</summary>
public abstract class PlannerApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private async Task<JsonObject> OkAsync(string path, object body)
    {
        var response = await _client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task SampleSize_MatchesRsPowerPropTest_AndPowerTTest()
    {
        // power.prop.test(p1 = .5, p2 = .75, power = .9): n = 76.7069 per arm.
        var prop = await OkAsync("/api/v1/planner/sample-size", new { metric = "proportion", baseline = 0.5, mde = 0.25, mdeType = "absolute", alpha = 0.05, power = 0.9, sides = 2 });
        Assert.Equal(76.7069, prop["perArm"]!.GetValue<double>(), 4);
        Assert.Equal((77L, 77L, 154L), (prop["perArmCeiling"]!.GetValue<long>(), prop["perArmB"]!.GetValue<long>(), prop["total"]!.GetValue<long>()));
        Assert.Equal(0.25, prop["effectAbsolute"]!.GetValue<double>(), 12);
        Assert.False(string.IsNullOrWhiteSpace(prop["method"]!.GetValue<string>()));

        // power.t.test(power = .90, delta = 1): n = 22.02110; a relative MDE of 0.5 on a baseline of 2 is the same delta.
        var mean = await OkAsync("/api/v1/planner/sample-size", new { metric = "mean", baseline = 2.0, mde = 0.5, mdeType = "relative", alpha = 0.05, power = 0.9, stdDev = 1.0 });
        Assert.Equal(22.02110, mean["perArm"]!.GetValue<double>(), 4);

        // The inflation factor multiplies the sample size exactly.
        var inflated = await OkAsync("/api/v1/planner/sample-size", new { metric = "proportion", baseline = 0.5, mde = 0.25, mdeType = "absolute", alpha = 0.05, power = 0.9, inflation = 1.5 });
        Assert.Equal(76.7069 * 1.5, inflated["perArm"]!.GetValue<double>(), 3);

        // Beside the fixed size, the always-valid design's for the same power (Core checks its number against the formula).
        var sequential = prop["sequential"]!;
        Assert.True(sequential["ratio"]!.GetValue<double>() > 1);
        Assert.Equal(sequential["perArmCeiling"]!.GetValue<long>() * 2, sequential["total"]!.GetValue<long>());
        Assert.Contains("always-valid", sequential["method"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShadowCost_AndDuration_FollowDesignsFormulas()
    {
        // 100,000 requests a day, 10 % mirrored, $0.002 a call, 7 days; the active bundle costs $0.001 a call.
        var cost = await OkAsync("/api/v1/planner/shadow-cost", new { requestsPerDay = 100_000, mirrorPercent = 10, days = 7, costPerCallUsd = 0.002, activeCostPerCallUsd = 0.001 });
        Assert.Equal(10_000, cost["shadowCallsPerDay"]!.GetValue<double>(), 9);
        Assert.Equal(20, cost["shadowCostPerDay"]!.GetValue<double>(), 9);
        Assert.Equal(100, cost["activeCostPerDay"]!.GetValue<double>(), 9);
        Assert.Equal(120, cost["totalCostPerDay"]!.GetValue<double>(), 9);
        Assert.Equal(140, cost["shadowCostTotal"]!.GetValue<double>(), 9);
        Assert.Equal(840, cost["totalCostTotal"]!.GetValue<double>(), 9);

        // From tokens and prices: 1,000 in × $2.5/M + 200 out × $10/M = $0.0045 a call.
        var priced = await OkAsync("/api/v1/planner/shadow-cost", new { requestsPerDay = 1000, mirrorPercent = 100, days = 1, inputTokens = 1000, outputTokens = 200, inputPerMillion = 2.5, outputPerMillion = 10 });
        Assert.Equal(4.5, priced["shadowCostPerDay"]!.GetValue<double>(), 9);

        Assert.Equal(5, (await OkAsync("/api/v1/planner/duration", new { perArm = 5000, requestsPerDay = 10_000, mirrorPercent = 10 }))["days"]!.GetValue<double>(), 9);
        // A 20 % arm B: B fills at 2,000 a day (2.5 days), A at 8,000 a day.
        Assert.Equal(2.5, (await OkAsync("/api/v1/planner/duration", new { perArm = 5000, requestsPerDay = 10_000, sharePercent = 20 }))["days"]!.GetValue<double>(), 9);
    }

    [Theory]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":0.1,"alpha":1.2,"power":0.8}""", "alpha")]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":0.1,"alpha":0.05,"power":0}""", "power")]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":0,"alpha":0.05,"power":0.8}""", "mde")]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":-0.1,"alpha":0.05,"power":0.8}""", "mde")]
    [InlineData("""{"metric":"proportion","baseline":1.5,"mde":0.1,"alpha":0.05,"power":0.8}""", "baseline")]
    [InlineData("""{"metric":"proportion","baseline":0.95,"mde":0.1,"mdeType":"absolute","alpha":0.05,"power":0.8}""", "mde")]
    [InlineData("""{"metric":"mean","baseline":3,"mde":0.1,"alpha":0.05,"power":0.8}""", "stdDev")]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":0.1,"alpha":0.05,"power":0.8,"inflation":0.5}""", "inflation")]
    [InlineData("""{"metric":"proportion","baseline":0.5,"mde":0.1,"alpha":0.05,"power":0.8,"ratio":0}""", "ratio")]
    [InlineData("""{"metric":"median","baseline":0.5,"mde":0.1,"alpha":0.05,"power":0.8}""", "metric")]
    public async Task SampleSize_RefusesBadInput_OnTheField(string body, string field) =>
        await AssertInvalidAsync("/api/v1/planner/sample-size", body, field);

    [Theory]
    [InlineData("/api/v1/planner/shadow-cost", """{"requestsPerDay":-1,"mirrorPercent":10,"days":1,"costPerCallUsd":0.1}""", "requestsPerDay")]
    [InlineData("/api/v1/planner/shadow-cost", """{"requestsPerDay":10,"mirrorPercent":0,"days":1,"costPerCallUsd":0.1}""", "mirrorPercent")]
    [InlineData("/api/v1/planner/shadow-cost", """{"requestsPerDay":10,"mirrorPercent":101,"days":1,"costPerCallUsd":0.1}""", "mirrorPercent")]
    [InlineData("/api/v1/planner/shadow-cost", """{"requestsPerDay":10,"mirrorPercent":10,"days":1,"inputTokens":10,"outputTokens":1,"inputPerMillion":-2,"outputPerMillion":1}""", "inputPerMillion")]
    [InlineData("/api/v1/planner/shadow-cost", """{"requestsPerDay":10,"mirrorPercent":10,"days":1}""", "costPerCallUsd")]
    [InlineData("/api/v1/planner/duration", """{"perArm":100,"requestsPerDay":10,"sharePercent":100}""", "sharePercent")]
    [InlineData("/api/v1/planner/duration", """{"perArm":100,"requestsPerDay":10}""", "mirrorPercent")]
    public async Task CostAndDuration_RefuseBadInput_OnTheField(string path, string body, string field) =>
        await AssertInvalidAsync(path, body, field);

    private async Task AssertInvalidAsync(string path, string body, string field)
    {
        var response = await _client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.True(JsonNode.Parse(text)!["errors"]!.AsObject().ContainsKey(field), text);
    }

    [Fact]
    public async Task AnAttachedPlan_BecomesThePipelinesPlannedSamples()
    {
        var family = "plan-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/families", new { name = family })).StatusCode);
        foreach (var (name, model, parent) in new[] { (family + "-v1", "m1", (string?)null), (family + "-v2", "m2", family + "-v1") })
        {
            Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = model, prompt = "p", config = new { }, parent })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 100 })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/v1/bundles/{family}-v2/plan", new { perArm = 30, note = "finance plan" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PutAsJsonAsync($"/api/v1/bundles/{family}-v1/plan", new { perArm = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PutAsJsonAsync("/api/v1/bundles/no-such-bundle/plan", new { perArm = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync($"/api/v1/bundles/{family}-v2/plan", new { perArm = 0 })).StatusCode);

        // 20 shadow events: below the plan of 30, so the gate refuses the canary...
        var now = DateTime.UtcNow;
        object Events(int from, int count) => new
        {
            events = Enumerable.Range(from, count).Select(i => new { requestId = $"s{i}", bundle = family + "-v2", timestamp = now, latencyMs = 100, inputTokens = 10, outputTokens = 5, success = true }),
        };
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/v1/telemetry", Events(0, 20))).StatusCode);
        var refused = await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("20 of 30 planned samples", await refused.Content.ReadAsStringAsync());

        // ...and 10 more meet it.
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/v1/telemetry", Events(20, 10))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5 })).StatusCode);

        var ledger = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}");
        Assert.Contains(ledger!, l => l!["action"]!.GetValue<string>() == "plan-attached" && l["reason"]!.GetValue<string>() == "finance plan");
    }
}

public sealed class SqlitePlannerApiTests(SqliteKeysFixture fixture) : PlannerApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresPlannerApiTests(PostgresKeysFixture fixture) : PlannerApiTests(fixture), IClassFixture<PostgresKeysFixture>;
