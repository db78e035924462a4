using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// Rules and alerts end to end on the real stack: degraded telemetry for a canary is judged against the active bundle,
/// raises an alert, rolls the family back through the pipeline as <c>rule:&lt;id&gt;</c>, and every step is heard on
/// the hub and written in the ledger.
/// </summary>
public abstract class AlertsApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private T Get<T>()
        where T : notnull => fixture.Factory.Services.GetRequiredService<T>();

    private Task PostOkAsync(string url, object body, HttpStatusCode expected = HttpStatusCode.OK) => _client.PostOkAsync(url, body, expected);

    /// <summary>v1 ACTIVE, v2 CANARY at 5 %.</summary>
    private Task<string> CanaryFamilyAsync() => _client.CanaryFamilyAsync("al");

    private static IEnumerable<object> Events(string bundle, int count, double errorRate, string prefix) => ApiFamilies.Calls(bundle, count, errorRate, prefix);

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
    public async Task DegradedCanary_RaisesAnAlert_RollsBackAsTheRule_AndEveryoneHearsIt()
    {
        var family = await CanaryFamilyAsync();
        var raised = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rolledBack = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = fixture.Factory.CreateHubConnection();
        hub.On<JsonElement>("alertRaised", e =>
        {
            if (e.GetProperty("family").GetString() == family && e.GetProperty("action").GetString() == "rollback")
            {
                raised.TrySetResult(e);
            }
        });
        hub.On<JsonElement>("rollbackCompleted", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                rolledBack.TrySetResult(e);
            }
        });
        await hub.StartAsync();

        // The active bundle fails 1 % of 2,000 calls; the canary 30 % of 300: far past the rollback rule's z 4 and +100 %.
        await PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 2_000, 0.01, "a").Concat(Events(family + "-v2", 300, 0.30, "c")) }, HttpStatusCode.Accepted);

        var alert = await raised.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(family + "-v2", alert.GetProperty("bundle").GetString());
        Assert.Equal("errorRate", alert.GetProperty("metric").GetString());
        Assert.StartsWith("reference 1.00 % (active, 20 of 2,000), candidate 30.00 % (90 of 300), pooled z = ", alert.GetProperty("derivation").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.3, alert.GetProperty("observed").GetDouble(), 10);
        var rollback = await rolledBack.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(family + "-v2", rollback.GetProperty("rolledBack").GetString());
        Assert.StartsWith("rule:", rollback.GetProperty("actor").GetString(), StringComparison.Ordinal);

        // The routing no longer sends anyone to the canary.
        var route = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject=user-1"))!;
        Assert.Equal(family + "-v1", (string?)route["bundle"]);

        // The alert is resolved as rolled back, with the time the flip took.
        var resolved = await EventuallyAsync(async () =>
            (await _client.GetFromJsonAsync<JsonArray>("/api/v1/alerts?state=resolved"))!.Select(a => a!.AsObject())
                .FirstOrDefault(a => (string?)a["family"] == family && (string?)a["action"] == "rollback"), "the rollback alert resolved");
        Assert.Equal("rolledBack", (string?)resolved["resolution"]);
        Assert.True(resolved["rollbackElapsedMs"]!.GetValue<long>() >= 0);

        // The ledger says a rule did it, automatically, with the derivation as its reason.
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}&automatic=true"))!;
        var record = ledger.Select(r => r!.AsObject()).Single(r => (string?)r["action"] == "rolled-back");
        Assert.StartsWith("rule:", (string?)record["actor"], StringComparison.Ordinal);
        Assert.Contains("pooled z = ", (string?)record["reason"], StringComparison.Ordinal);
        Assert.Equal(family + "-v2", (string?)record["bundle"]);
    }

    [Fact]
    public async Task ASequentialRule_JudgesEverythingSinceTheStageBegan_PerRampStep_AndRollsBackOnce()
    {
        var family = await CanaryFamilyAsync();
        // The sequential rule first, the window rollback rule beside it: when both breach, one rolls back, one alert.
        var put = await _client.PutAsJsonAsync($"/api/v1/families/{family}/rules", new object[]
        {
            new { metric = "errorRate", action = "rollback", test = "sequential", alpha = 0.05, minEffect = 0.5, minAbsoluteEffect = 0.005, minSamples = 200, windowMinutes = 30 },
            new { metric = "errorRate", action = "rollback", z = 4, minEffect = 1.0, minAbsoluteEffect = 0.01 },
        });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var saved = (await put.Content.ReadFromJsonAsync<JsonArray>())![0]!;
        Assert.Equal(("sequential", 0.05), ((string?)saved["test"], saved["alpha"]!.GetValue<double>()));
        Assert.Null(saved["windowMinutes"]); // accepted and ignored: a sequential rule has no window

        // The canary entered its stage 30 minutes ago and was ramped 15 minutes ago: two steps.
        var now = DateTime.UtcNow;
        await using (var db = await Get<Microsoft.EntityFrameworkCore.IDbContextFactory<ModelConsole.Data.ModelConsoleDbContext>>().CreateDbContextAsync())
        {
            await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ExecuteUpdateAsync(
                db.Bundles.Where(b => b.Name == family + "-v2"), u => u.SetProperty(b => b.StageEnteredAt, now.AddMinutes(-30)));
        }

        await Get<LedgerStore>().AppendAsync(now.AddMinutes(-15), "test", Core.Ledger.LedgerActions.Ramp, family, family + "-v2", "ramp", new { percent = 10 }, CancellationToken.None);
        object Call(string bundle, int i, DateTime at, bool ok) => new { requestId = $"{bundle}-{at:HHmmss}-{i}", bundle, timestamp = at, latencyMs = 300, inputTokens = 5, outputTokens = 5, success = ok };
        IEnumerable<object> Calls(string bundle, int count, double errorRate, DateTime at) => Enumerable.Range(0, count).Select(i => Call(bundle, i, at, i >= count * errorRate));
        // Step one: the candidate fails 6 % against 2 %; step two: 2 % against 2 %.
        await PostOkAsync("/api/v1/telemetry", new
        {
            events = Calls(family + "-v1", 2_000, 0.02, now.AddMinutes(-25)).Concat(Calls(family + "-v2", 400, 0.06, now.AddMinutes(-25)))
                .Concat(Calls(family + "-v1", 2_000, 0.02, now.AddSeconds(-5))).Concat(Calls(family + "-v2", 400, 0.02, now.AddSeconds(-5))),
        }, HttpStatusCode.Accepted);
        await Get<EvaluationService>().EvaluateAllAsync(CancellationToken.None);
        var verdict = Get<EvaluationService>().Latest(family)!.Verdicts.Single(v => v.Bundle == family + "-v2" && v.Verdict.Rule.IsSequential).Verdict;
        Assert.StartsWith("sequential since the stage began (2 ramp steps", verdict.Derivation, StringComparison.Ordinal);
        Assert.Equal(0.04, verdict.Observed!.Value, 9);        // 32 of 800 since the stage began
        Assert.Equal(0.02, verdict.ReferenceValue!.Value, 9);  // the active's 2 % in both steps
        Assert.Equal(800, verdict.Samples);

        // Plainly worse now: the sequential rule rolls back, as the rule, once.
        await PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.02, now.AddSeconds(-2)).Concat(Calls(family + "-v2", 2_000, 0.2, now.AddSeconds(-2))) }, HttpStatusCode.Accepted);
        var record = await EventuallyAsync(async () => (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}&automatic=true"))!
            .Select(r => r!.AsObject()).FirstOrDefault(r => (string?)r["action"] == "rolled-back"), "the sequential rollback");
        Assert.StartsWith("rule:", (string?)record["actor"], StringComparison.Ordinal);
        Assert.Contains("always-valid lower bound", (string?)record["reason"], StringComparison.Ordinal);
        await Get<EvaluationService>().EvaluateAllAsync(CancellationToken.None); // another pass changes nothing
        var alerts = (await _client.GetFromJsonAsync<JsonArray>("/api/v1/alerts"))!.Where(a => (string?)a!["family"] == family).ToList();
        Assert.Single(alerts);
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}&automatic=true"))!;
        Assert.Single(ledger, r => (string?)r!["action"] == "rolled-back");
    }

    [Fact]
    public async Task AGuardedPromotion_MeetsTheSampleGateBeforeThePlan_WhenEverySequentialGuardrailHolds()
    {
        // Calls stamped now, after the canary entered its stage (the gate counts from that minute).
        static IEnumerable<object> Calls(string bundle, int count, double errorRate, string prefix) => Enumerable.Range(0, count).Select(i => new
        {
            requestId = $"{prefix}-{bundle}-{i}", bundle, timestamp = DateTime.UtcNow, latencyMs = 500, inputTokens = 10, outputTokens = 5, costUsd = 0.001, success = i >= count * errorRate,
        });

        var family = await CanaryFamilyAsync(); // the default rules hold the sequential rollback rule
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/v1/bundles/{family}-v2/plan", new { perArm = 50_000 })).StatusCode);
        // Too few calls for the guardrail: the plan's 50,000 samples gate refuses.
        await PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.02, "g0").Concat(Calls(family + "-v2", 100, 0.01, "g0")) }, HttpStatusCode.Accepted);
        using (var refused = await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "ACTIVE" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("of 50,000 planned samples", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The canary is no worse (1 % against 2 % over 4,000 calls): its always-valid interval excludes a regression
        // beyond the rule's minimum effect, so the sample gate is met by the guardrail, far before the plan.
        foreach (var chunk in Calls(family + "-v1", 30_000, 0.02, "g1").Concat(Calls(family + "-v2", 4_000, 0.01, "g1")).Chunk(10_000))
        {
            await PostOkAsync("/api/v1/telemetry", new { events = chunk }, HttpStatusCode.Accepted);
        }
        using var promoted = await _client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "ACTIVE" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}"))!;
        var record = ledger.Select(r => r!.AsObject()).First(r => (string?)r["to"] == "ACTIVE" && (string?)r["bundle"] == family + "-v2");
        Assert.Contains("Guarded:", record["evidence"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("errorRate rollback (sequential): a regression is at most", record["evidence"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"test\":\"bayes\"}", "[0].test")]
    [InlineData("{\"metric\":\"errorRate\",\"action\":\"alert\",\"test\":\"sequential\",\"alpha\":0.7}", "[0].alpha")]
    [InlineData("{\"metric\":\"latencyP95\",\"action\":\"alert\",\"test\":\"sequential\"}", "[0].test")]
    public async Task BadSequentialFields_AreNamed_AndNothingIsSaved(string rule, string field)
    {
        var family = await CanaryFamilyAsync();
        var before = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/rules"))!.ToJsonString();
        using var response = await _client.PutAsync($"/api/v1/families/{family}/rules", new StringContent("[" + rule + "]", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), problem.ToJsonString());
        Assert.Equal(before, (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/rules"))!.ToJsonString());
    }

    [Fact]
    public async Task LowTraffic_IsInconclusive_NoAlert_NoRollback()
    {
        var family = await CanaryFamilyAsync();
        await PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 2_000, 0.01, "a").Concat(Events(family + "-v2", 50, 1.0, "c")) }, HttpStatusCode.Accepted);
        // The scheduled pass (one set-based read for every family) judges it too.
        await Get<EvaluationService>().EvaluateAllAsync(CancellationToken.None);

        var latest = Get<EvaluationService>().Latest(family)!;
        Assert.All(latest.Verdicts.Where(v => v.Bundle == family + "-v2"), v => Assert.Equal(Core.Thresholds.VerdictKind.Inconclusive, v.Verdict.Kind));
        Assert.Contains(latest.Verdicts, v => v.Verdict.Derivation.StartsWith("not enough data: 50 of 200", StringComparison.Ordinal));
        var alerts = (await _client.GetFromJsonAsync<JsonArray>("/api/v1/alerts"))!;
        Assert.DoesNotContain(alerts, a => (string?)a!["family"] == family);
        var state = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}"))!;
        Assert.Equal(family + "-v2", (string?)state["canary"]!["bundle"]);
    }

    [Fact]
    public async Task Triggers_DuringAnEvaluation_AreCoalescedIntoOneRerun()
    {
        var family = await CanaryFamilyAsync();
        var evaluation = Get<EvaluationService>();
        await evaluation.TriggerAsync(family, CancellationToken.None);
        var before = evaluation.Evaluations;
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => evaluation.TriggerAsync(family, CancellationToken.None)));
        // The first trigger runs; the other 19 arrive while it runs and share one rerun (other families' evaluations may interleave).
        var ran = evaluation.Evaluations - before;
        Assert.InRange(ran, 1, 2 + 4);

        // Passes that judge from preloaded data finish without waiting on anything; triggers after them still run.
        await evaluation.EvaluateAllAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        await evaluation.EvaluateAllAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        await evaluation.TriggerAsync(family, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task ASlowPass_DoesNotOverlapTheNext()
    {
        await CanaryFamilyAsync();
        var evaluation = Get<EvaluationService>();

        // Three passes asked for at once (a slow scheduled pass and two more): they run one after another.
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => evaluation.EvaluateAllAsync(CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, evaluation.MaxConcurrentPasses);
    }

    [Fact]
    public async Task OneOpenAlertPerBundleAndRule_IsHeldByTheDatabase()
    {
        var family = await CanaryFamilyAsync();
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        AlertEntity Alert() => new()
        {
            FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[1].Id, Metric = "errorRate",
            Action = "alert", Reference = "active", Derivation = "test", State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
        };
        var store = Get<AlertStore>();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.RaiseAsync(Alert(), CancellationToken.None)));
        Assert.Single(results, r => r is not null);

        var open = results.Single(r => r is not null)!;
        await store.ResolveAsync(open.Id, "manual", "test", "done", null, CancellationToken.None);
        Assert.NotNull(await store.RaiseAsync(Alert(), CancellationToken.None)); // once resolved, a new one may open
    }

    [Fact]
    public async Task Rules_StartAtTheDefaults_AndPutIsGuardedByIfMatch()
    {
        var family = await CanaryFamilyAsync();
        var response = await _client.GetAsync($"/api/v1/families/{family}/rules");
        var etag = response.Headers.ETag!.Tag;
        var rules = (await response.Content.ReadFromJsonAsync<JsonArray>())!;
        Assert.Equal(["errorRate", "errorRate", "latencyP95", "qualityMean", "costPerCall", "negativeFeedbackRate", "errorRate"], rules.Select(r => (string)r!["metric"]!));
        Assert.Equal(["window", "window", "window", "window", "window", "window", "sequential"], rules.Select(r => (string)r!["test"]!));
        Assert.Equal(0.05, rules[6]!["alpha"]!.GetValue<double>());
        Assert.Equal("rollback", (string?)rules[0]!["action"]);
        Assert.Equal(4, rules[0]!["z"]!.GetValue<double>());

        // Keep the first rule by its id, tighten it, drop the rest, add one.
        var firstId = rules[0]!["id"]!.GetValue<long>();
        var body = new object[] { new { id = firstId, metric = "errorRate", action = "rollback", z = 5 }, new { metric = "latencyP95", action = "alert", tolerance = 0.5 } };
        using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/families/{family}/rules") { Content = JsonContent.Create(body) };
        put.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(etag));
        var saved = await _client.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var after = (await saved.Content.ReadFromJsonAsync<JsonArray>())!;
        Assert.Equal(2, after.Count);
        Assert.Equal(firstId, after[0]!["id"]!.GetValue<long>());
        Assert.Equal(5, after[0]!["z"]!.GetValue<double>());
        Assert.Equal(0.5, after[1]!["tolerance"]!.GetValue<double>());

        // The old ETag is stale now.
        using var stale = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/families/{family}/rules") { Content = JsonContent.Create(body) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _client.SendAsync(stale)).StatusCode);

        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}"))!;
        Assert.Contains(ledger, r => (string?)r!["action"] == "rules-changed");
    }

    [Theory]
    [InlineData("[{\"metric\":\"errorRate\",\"action\":\"alert\",\"z\":0}]", "[0].z")]
    [InlineData("[{\"metric\":\"errorRate\",\"action\":\"alert\"},{\"metric\":\"p99\",\"action\":\"alert\"}]", "[1].metric")]
    [InlineData("[{\"metric\":\"errorRate\",\"action\":\"alert\",\"windowMinutes\":0}]", "[0].windowMinutes")]
    [InlineData("[{\"metric\":\"errorRate\",\"action\":\"alert\",\"minSamples\":0}]", "[0].minSamples")]
    [InlineData("[{\"metric\":\"errorRate\",\"action\":\"shout\"}]", "[0].action")]
    public async Task BadRules_Are400_NamingTheField_AndNothingIsSaved(string json, string field)
    {
        var family = await CanaryFamilyAsync();
        var before = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/rules"))!.ToJsonString();
        var response = await _client.PutAsync($"/api/v1/families/{family}/rules", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(before, (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/rules"))!.ToJsonString());
    }

    [Fact]
    public async Task Readiness_UsesTheLastHoursTraffic_AndTheActiveBundlesRates()
    {
        var family = await CanaryFamilyAsync();
        // 2,000 active calls and 100 canary calls in the last hour: 35 calls/min; the active bundle fails 1 %.
        await PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 2_000, 0.01, "a").Concat(Events(family + "-v2", 100, 0.01, "c")) }, HttpStatusCode.Accepted);
        var facts = new Core.Thresholds.ReadinessFacts(2_100 / 60.0, new Core.Bundles.Baseline(2_000, ErrorRate: 0.01), new Dictionary<string, double>(), null);

        // Without a percent: the canary's own 5 %. The default rollback rule's 5-min window never holds 200 calls.
        var atCanary = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/readiness"))!;
        Assert.Equal(5, atCanary["percent"]!.GetValue<double>());
        Assert.Equal(35, atCanary["requestsPerMinute"]!.GetValue<double>(), 9);
        Assert.False(atCanary["ready"]!.GetValue<bool>());
        Assert.Equal(family + "-v2", (string?)atCanary["candidate"]);
        var rollbackRule = atCanary["rules"]!.AsArray()[0]!;
        Assert.Equal(("errorRate", "rollback"), ((string?)rollbackRule["metric"], (string?)rollbackRule["action"]));
        Assert.Contains("never holds the 200 samples it needs", (string?)rollbackRule["explanation"], StringComparison.Ordinal);

        // A rollback rule made for thin traffic: a 60-min window, 5 samples, z 2, +10 pp. At 25 % the canary gets
        // 8.75 calls/min against 1,575 active calls in the window; an 11 % error rate passes z = 2 at 5 calls, 34 s.
        var body = new object[] { new { metric = "errorRate", action = "rollback", z = 2, minEffect = 1.0, minAbsoluteEffect = 0.1, windowMinutes = 60, minSamples = 5 } };
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/v1/families/{family}/rules", body)).StatusCode);
        var rule = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!.Rules[0];
        var expected = Core.Thresholds.RollbackReadiness.Assess(rule, 25, facts, 10);
        Assert.True(expected.DetectedInTime);

        var at25 = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/readiness?percent=25"))!;
        Assert.True(at25["ready"]!.GetValue<bool>());
        var only = at25["rules"]!.AsArray().Single()!;
        Assert.Equal(expected.Explanation, (string?)only["explanation"]);
        Assert.Equal(5 / 8.75 * 60, only["secondsToDetect"]!.GetValue<double>(), 9);
        Assert.Equal(8.75, only["candidateCallsPerMinute"]!.GetValue<double>(), 9);
    }

    [Theory]
    [InlineData("?percent=0")]
    [InlineData("?percent=51")]
    [InlineData("?percent=5.125")]
    [InlineData("?percent=lots")]
    public async Task Readiness_RefusesABadPercent(string query)
    {
        var family = await CanaryFamilyAsync();
        var response = await _client.GetAsync($"/api/v1/families/{family}/readiness{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Readiness_WithoutACanary_NeedsAPercent_AndAnUnknownFamilyIs404()
    {
        var family = "rd-" + Guid.NewGuid().ToString("N")[..8];
        await PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        var missing = await _client.GetAsync($"/api/v1/families/{family}/readiness");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("has no canary", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var planned = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/readiness?percent=10"))!;
        Assert.All(planned["rules"]!.AsArray(), r => Assert.False(r!["detectedInTime"]!.GetValue<bool>())); // no traffic at all
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/families/no-such-family/readiness?percent=5")).StatusCode);
    }

    [Fact]
    public async Task CaptureOnDemand_StoresTheBaselineFromTheBundlesCalls_AndLedgersIt()
    {
        var family = await CanaryFamilyAsync();
        // No calls yet: nothing to capture. A candidate's own calls never become its yardstick.
        var nothing = await _client.PostAsync($"/api/v1/bundles/{family}-v1/baseline/capture", null);
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        Assert.Contains("has served no calls", await nothing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v2", 60, 0.5, "c") }, HttpStatusCode.Accepted);
        var candidate = await _client.PostAsync($"/api/v1/bundles/{family}-v2/baseline/capture", null);
        Assert.Equal(HttpStatusCode.Conflict, candidate.StatusCode);
        Assert.Contains("is not ACTIVE", await candidate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/v1/bundles/no-such-bundle/baseline/capture", null)).StatusCode);

        await PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 400, 0.05, "a") }, HttpStatusCode.Accepted);
        var response = await _client.PostAsync($"/api/v1/bundles/{family}-v1/baseline/capture", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var baseline = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(400, baseline["samples"]!.GetValue<long>());
        Assert.Equal(0.05, baseline["errorRate"]!.GetValue<double>(), 12);
        Assert.Equal(0.001, baseline["costPerCallUsd"]!.GetValue<double>(), 12);

        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v1", CancellationToken.None))!;
        var stored = (await Get<AlertStore>().BaselineAsync(bundle.Id, CancellationToken.None))!;
        Assert.Equal(("captured", 0.05), (stored.Source, stored.Baseline.ErrorRate!.Value));
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}"))!;
        Assert.Contains(ledger, r => (string?)r!["action"] == "baseline-captured" && (string?)r["bundle"] == family + "-v1");
    }

    [Fact]
    public async Task Alerts_AreAcknowledgedAndResolvedByHand_WithAReason()
    {
        var family = await CanaryFamilyAsync();
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        var alert = (await Get<AlertStore>().RaiseAsync(new AlertEntity
        {
            FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[2].Id, Metric = "latencyP95",
            Action = "alert", Reference = "active", Derivation = "test", State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
        }, CancellationToken.None))!;

        var acked = (await (await _client.PostAsync($"/api/v1/alerts/{alert.Id}/acknowledge", null)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("acknowledged", (string?)acked["state"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync($"/api/v1/alerts/{alert.Id}/resolve", new { reason = " " })).StatusCode);
        var resolved = (await (await _client.PostAsJsonAsync($"/api/v1/alerts/{alert.Id}/resolve", new { reason = "known provider incident" })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("resolved", "manual"), ((string?)resolved["state"], (string?)resolved["resolution"]));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/api/v1/alerts/987654321/acknowledge", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/v1/alerts?state=angry")).StatusCode);
    }
}

public sealed class SqliteAlertsApiTests(SqliteKeysFixture fixture) : AlertsApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresAlertsApiTests(PostgresKeysFixture fixture) : AlertsApiTests(fixture), IClassFixture<PostgresKeysFixture>;
