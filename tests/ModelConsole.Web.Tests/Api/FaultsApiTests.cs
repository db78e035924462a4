using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// What a restart and a hostile input must not break, on both providers: the catalog knows every bundle after a
/// restart, rule states survive it, a rollback that a crash interrupted is carried out at start-up, no value poisons a
/// read, and the HTTP edges answer in their own codes with the field named.
/// </summary>
public abstract class FaultsApiTests(DatabaseProvider provider) : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private ConsoleFactory Console(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var factory = new ConsoleFactory(_database, settings);
        _ = factory.Server;
        return factory;
    }

    private static object Event(string bundle, string id, bool success = true, double? cost = 0.001, DateTime? at = null) => new
    {
        requestId = id, bundle, timestamp = at ?? DateTime.UtcNow, latencyMs = 200, inputTokens = 10, outputTokens = 5, costUsd = cost, success,
    };

    [Fact]
    public async Task ARestart_BeforeTheFirstBatch_AcceptsEventsForEveryRegisteredBundle()
    {
        var names = new List<string>();
        await using (var first = Console())
        {
            var client = first.CreateKeyClient();
            await client.PostOkAsync("/api/v1/families", new { name = "many" }, HttpStatusCode.Created);
            for (var i = 0; i < 40; i++)
            {
                names.Add($"many-v{i}");
                await client.PostOkAsync("/api/v1/bundles", new { name = names[^1], family = "many", provider = "openai", modelId = "m" + i, prompt = "p", config = new { } }, HttpStatusCode.Created);
            }
        }

        await using var second = Console();
        var answer = await second.CreateKeyClient().PostAsJsonAsync("/api/v1/telemetry", new { events = names.Select((n, i) => Event(n, "r" + i)) });
        var body = (await answer.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((40, 0), (body["accepted"]!.GetValue<int>(), body["rejected"]!.AsArray().Count));
        // A name that does not exist is still refused, by index, with the rest stored.
        var mixed = (await (await second.CreateKeyClient().PostAsJsonAsync("/api/v1/telemetry", new { events = new[] { Event("nope-v1", "x"), Event(names[0], "y") } }))
            .Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, mixed["accepted"]!.GetValue<int>());
        Assert.Equal(0, mixed["rejected"]![0]!["index"]!.GetValue<int>());
    }

    [Fact]
    public async Task RuleStates_SurviveARestart_NoBreachForgotten_NoneCountedTwice()
    {
        string family;
        await using (var first = Console())
        {
            var client = first.CreateKeyClient();
            family = await client.CanaryFamilyAsync("rs");
            var put = await client.PutAsJsonAsync($"/api/v1/families/{family}/rules", new[] { new { metric = "errorRate", action = "alert", minSamples = 50, consecutive = 3, windowMinutes = 10 } });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            await client.PostOkAsync("/api/v1/telemetry", new { events = Enumerable.Range(0, 500).Select(i => Event(family + "-v1", "a" + i, i % 100 != 0)) }, HttpStatusCode.Accepted);
            for (var batch = 0; batch < 2; batch++)
            {
                await client.PostOkAsync("/api/v1/telemetry", new { events = Enumerable.Range(0, 100).Select(i => Event(family + "-v2", $"b{batch}-{i}", i % 3 != 0)) }, HttpStatusCode.Accepted);
                await first.Services.GetRequiredService<EvaluationService>().TriggerAsync(family, CancellationToken.None);
            }

            Assert.DoesNotContain(await first.Services.GetRequiredService<AlertStore>().OpenAlertsAsync(null, CancellationToken.None), a => a.Family == family);
        }

        await using var second = Console();
        var evaluation = second.Services.GetRequiredService<EvaluationService>();
        var alerts = second.Services.GetRequiredService<AlertStore>();
        // The same data judged again after the restart is not new evidence: still two breaches, no alert.
        await evaluation.TriggerAsync(family, CancellationToken.None);
        Assert.DoesNotContain(await alerts.OpenAlertsAsync(null, CancellationToken.None), a => a.Family == family);
        // The third breach on new data completes the three: the alert is raised now, not on a fifth.
        await second.CreateKeyClient().PostOkAsync("/api/v1/telemetry", new { events = Enumerable.Range(0, 100).Select(i => Event(family + "-v2", "b2-" + i, i % 3 != 0)) }, HttpStatusCode.Accepted);
        await evaluation.TriggerAsync(family, CancellationToken.None);
        Assert.Single(await alerts.OpenAlertsAsync(null, CancellationToken.None), a => a.Family == family);
    }

    [Fact]
    public async Task ARollbackThatACrashInterrupted_IsCarriedOutAtStart_AndAStrayAlertNeverBlocksAGate()
    {
        string family;
        long staleAlert;
        await using (var first = Console())
        {
            var client = first.CreateKeyClient();
            family = await client.CanaryFamilyAsync("cr");
            var store = first.Services.GetRequiredService<AlertStore>();
            var rules = (await store.RulesAsync(family, CancellationToken.None))!;
            var v2 = (await first.Services.GetRequiredService<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
            // The crash between raising the rollback alert and rolling back: the alert is stored, the canary still serves.
            await store.RaiseAsync(new AlertEntity
            {
                FamilyId = rules.FamilyId, Family = family, BundleId = v2.Id, Bundle = v2.Name, RuleId = rules.Rules[0].Id, Metric = "errorRate", Action = "rollback",
                Reference = "active", Derivation = "pooled z = 9.1 > 4 → breach", State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
            }, CancellationToken.None);
            // And a second family where the crash came after the flip: rolled back, its alert left open.
            var other = await client.CanaryFamilyAsync("cr2");
            await client.PostOkAsync($"/api/v1/families/{other}/rollback", new { reason = "test", bundle = other + "-v2" });
            var otherRules = (await store.RulesAsync(other, CancellationToken.None))!;
            var o2 = (await first.Services.GetRequiredService<TelemetryService>().FindBundleAsync(other + "-v2", CancellationToken.None))!;
            staleAlert = (await store.RaiseAsync(new AlertEntity
            {
                FamilyId = otherRules.FamilyId, Family = other, BundleId = o2.Id, Bundle = o2.Name, RuleId = otherRules.Rules[1].Id, Metric = "errorRate", Action = "alert",
                Reference = "active", Derivation = "test", State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
            }, CancellationToken.None))!.Id;
            family += "|" + other;
        }

        var (crashed, stray) = (family.Split('|')[0], family.Split('|')[1]);
        await using var second = Console();
        var api = second.CreateKeyClient();
        // Ready means mended: the interrupted rollback happened, as the rule, and its alert says so.
        var detail = (await api.GetFromJsonAsync<JsonObject>($"/api/v1/families/{crashed}"))!;
        Assert.Null(detail["canary"]);
        var ledger = (await api.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={crashed}"))!;
        Assert.Contains(ledger, r => (string?)r!["action"] == "rolled-back" && ((string?)r["actor"])!.StartsWith("rule:", StringComparison.Ordinal));
        var firing = (await api.GetFromJsonAsync<JsonArray>("/api/v1/alerts?state=firing"))!;
        Assert.DoesNotContain(firing, a => (string?)a!["family"] == crashed || (string?)a!["family"] == stray);
        Assert.Equal("rolledBack", (await second.Services.GetRequiredService<AlertStore>().GetAsync(staleAlert, CancellationToken.None))!.Resolution);
        // The rolled-back bundle goes back through the pipeline: nothing it was once alerted for blocks its gate.
        await api.PostOkAsync($"/api/v1/bundles/{stray}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync($"/api/v1/bundles/{stray}-v2/plan", new { perArm = 1 })).StatusCode);
        await api.PostOkAsync("/api/v1/telemetry", new { events = new[] { Event(stray + "-v2", "again") } }, HttpStatusCode.Accepted);
        await api.PostOkAsync($"/api/v1/bundles/{stray}-v2/transitions", new { to = "CANARY", percent = 5 });
    }

    [Fact]
    public async Task NoAcceptedValueCanPoisonARead_AndAbsurdInputsAreFieldErrors()
    {
        await using var console = Console();
        var client = console.CreateKeyClient();
        var family = await client.CanaryFamilyAsync("px");
        var answer = (await (await client.PostAsJsonAsync("/api/v1/telemetry", new
        {
            events = new object[] { Event(family + "-v2", "huge", cost: 1e160), Event(family + "-v2", "fine") },
        })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, answer["accepted"]!.GetValue<int>());
        Assert.Contains("costUsd", answer["rejected"]![0]!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/bundles/{family}-v2/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/families/{family}/comparison")).StatusCode);

        var planner = await client.PostAsJsonAsync("/api/v1/planner/shadow-cost", new { requestsPerDay = 1e308, mirrorPercent = 10, days = 1e308, costPerCallUsd = 1e308 });
        Assert.Equal(HttpStatusCode.BadRequest, planner.StatusCode);
        var errors = (await planner.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ToList();
        Assert.Contains("requestsPerDay", errors);
        Assert.Contains("days", errors);
        Assert.Contains("costPerCallUsd", errors);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/v1/planner/sample-size", new { metric = "mean", baseline = 1e308, mde = 1e308, alpha = 0.05, power = 0.8, stdDev = 1e308 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/bundles/{family}-v2/metrics?to=9999-12-31T00:00:00Z")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/api/v1/bundles/{family}-v2/metrics?from=0001-01-01T00:00:00Z")).StatusCode);
        var price = await client.PostAsJsonAsync("/api/v1/bundles", new { name = family + "-v9", family, provider = "openai", modelId = "m9", prompt = "p", config = new { }, pricing = new { inputPerMillion = 1e300, outputPerMillion = 1 } });
        Assert.Equal(HttpStatusCode.BadRequest, price.StatusCode);
    }

    [Fact]
    public async Task HttpEdges_AnswerWithTheirOwnCodes_AndNameTheField()
    {
        await using var console = Console();
        var client = console.CreateKeyClient();

        var plain = await client.PostAsync("/api/v1/families", new StringContent("{\"name\":\"edge\"}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType!.MediaType);
        var missing = new ByteArrayContent("{\"name\":\"edge\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("/api/v1/families", missing)).StatusCode);

        var twice = await client.PostAsync("/api/v1/families", new StringContent("{\"name\":\"edge-a\",\"name\":\"edge-b\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        Assert.Contains("more than once", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/families/edge-a")).StatusCode); // nothing was created

        var family = await client.CanaryFamilyAsync("ed");
        var typed = await client.PostAsync($"/api/v1/bundles/{family}-v2/transitions", new StringContent("{\"to\":\"CANARY\",\"percent\":\"ten\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, typed.StatusCode);
        var problem = (await typed.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(problem["errors"]?["percent"]?[0]?.GetValue<string>() == "must be a number", problem.ToJsonString());
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);

        var batch = await client.PostAsync("/api/v1/telemetry", new StringContent("{\"events\":[],\"events\":[]}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        var doubled = $$"""{"events":[{"requestId":"a","requestId":"b","bundle":"{{family}}-v1","timestamp":"{{DateTime.UtcNow:O}}","latencyMs":1,"inputTokens":1,"outputTokens":1,"success":true}]}""";
        var answer = (await (await client.PostAsync("/api/v1/telemetry", new StringContent(doubled, Encoding.UTF8, "application/json"))).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(0, answer["accepted"]!.GetValue<int>());
        Assert.Contains("more than once", answer["rejected"]![0]!["errors"]!["requestId"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class SqliteFaultsApiTests() : FaultsApiTests(DatabaseProvider.Sqlite);

public sealed class PostgresFaultsApiTests() : FaultsApiTests(DatabaseProvider.Postgres);
