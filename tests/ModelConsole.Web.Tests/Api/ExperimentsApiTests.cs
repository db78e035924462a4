using ModelConsole.Core.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Thresholds;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// A/B experiments on the real stack: the plan from the planner with the active bundle's live values, assignment by
/// the experiment's bucket ahead of the canary, results folded per subject in the database (checked against a
/// brute-force fold of the same events), the sample-ratio-mismatch flag, concluding, and ending by itself.
/// </summary>
public abstract class ExperimentsApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    /// <summary>Starts an experiment on errorRate; without a baseline the active bundle's live value is the default.</summary>
    private async Task<JsonObject> StartAsync(string family, double split = 20, double mde = 0.01, double? baseline = 0.02)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/experiments",
            new { family, armB = family + "-v2", splitBPercent = split, metric = "errorRate", mde, mdeType = "absolute", alpha = 0.05, power = 0.8, baseline });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static object Call(string bundle, string requestId, string? subject, bool success) => new
    {
        requestId, bundle, subject, timestamp = DateTime.UtcNow, latencyMs = 300, inputTokens = 10, outputTokens = 5, costUsd = 0.001, success,
    };

    /// <summary>
    /// Subjects s0..s(n−1) served as the experiment assigns them (bucket of id:subject), 1 to 4 calls each; arm A
    /// fails one call in 10, arm B one in 5. <paramref name="forceB"/> sends extra subjects to B to skew the split.
    /// </summary>
    private static List<(string Subject, string Bundle, int Calls, int Errors)> Subjects(string family, string id, double split, int n, int forceB = 0)
    {
        var subjects = new List<(string, string, int, int)>();
        for (var i = 0; i < n; i++)
        {
            var subject = $"s{i}";
            var armB = i < forceB || Bucketing.Bucket(id, subject) < Bucketing.Threshold(split);
            var calls = 1 + i % 4;
            var errors = Enumerable.Range(0, calls).Count(j => (i * 7 + j) % (armB ? 5 : 10) == 0);
            subjects.Add((subject, family + (armB ? "-v2" : "-v1"), calls, errors));
        }

        return subjects;
    }

    private async Task PostAsync(IEnumerable<(string Subject, string Bundle, int Calls, int Errors)> subjects, string prefix)
    {
        var events = subjects.SelectMany(s => Enumerable.Range(0, s.Calls).Select(j => Call(s.Bundle, $"{prefix}-{s.Subject}-{j}", s.Subject, j >= s.Errors))).ToList();
        foreach (var batch in events.Chunk(1_000))
        {
            await _client.PostOkAsync("/api/v1/telemetry", new { events = batch }, HttpStatusCode.Accepted);
        }
    }

    [Fact]
    public async Task AnExperiment_IsPlanned_AssignsByItsBucket_AheadOfTheCanary_AndStopsWhenConcluded()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        // 2,000 active calls at 2 % errors in the last day: the plan's default baseline.
        await _client.PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 2_000).Select(i => Call(family + "-v1", $"pre-{i}", null, i % 50 != 0)),
        }, HttpStatusCode.Accepted);

        var started = await StartAsync(family, split: 20, baseline: null);
        var id = (string)started["id"]!;
        // An error rate is planned to drop by the MDE (its good direction).
        var planner = SampleSizePlanner.Plan(new SampleSizeRequest(PlannedMetric.Proportion, 0.02, -0.01, MdeType.Absolute, 0.05, 0.8, Ratio: 20.0 / 80));
        Assert.Equal(0.02, started["baseline"]!.GetValue<double>(), 12);
        Assert.Equal(planner.PerArmCeiling, started["plannedPerArm"]!.GetValue<long>());
        Assert.Equal(planner.PerArmB, started["plannedPerArmB"]!.GetValue<long>());
        Assert.Equal(("running", family + "-v1", family + "-v2"), ((string?)started["state"], (string?)started["armA"], (string?)started["armB"]));

        // The route follows the experiment's bucket (salt = its id), not the canary's 5 % by family.
        var armB = 0;
        for (var i = 0; i < 60; i++)
        {
            var subject = $"user-{i}";
            var route = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject={subject}"))!;
            var expectB = Bucketing.Bucket(id, subject) < 2_000;
            armB += expectB ? 1 : 0;
            Assert.Equal(expectB ? family + "-v2" : family + "-v1", (string?)route["bundle"]);
            Assert.Equal((id, expectB ? "B" : "A"), ((string?)route["experiment"]!["id"], (string?)route["experiment"]!["arm"]));
        }

        Assert.InRange(armB, 1, 59);
        var table = (await _client.GetFromJsonAsync<JsonObject>("/api/v1/routing-table"))!["families"]!.AsArray().Single(f => (string?)f!["name"] == family)!;
        Assert.Equal(id, (string?)table["experiment"]!["id"]);
        var summary = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}"))!;
        Assert.Equal(20, summary["experiment"]!["splitBPercent"]!.GetValue<double>());

        // Concluding needs a reason and a known decision; then the canary split by family applies again.
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync($"/api/v1/experiments/{id}/conclude", new { decision = "keepA", reason = " " })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync($"/api/v1/experiments/{id}/conclude", new { decision = "ship", reason = "x" })).StatusCode);
        var concluded = await _client.PostAsJsonAsync($"/api/v1/experiments/{id}/conclude", new { decision = "inconclusive", reason = "no traffic in the test" });
        Assert.Equal(HttpStatusCode.OK, concluded.StatusCode);
        var body = (await concluded.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("concluded", "inconclusive"), ((string?)body["state"], (string?)body["decision"]));
        for (var i = 0; i < 60; i++)
        {
            var subject = $"user-{i}";
            var route = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject={subject}"))!;
            Assert.Null(route["experiment"]);
            Assert.Equal(Bucketing.Bucket(family, subject) < 500 ? family + "-v2" : family + "-v1", (string?)route["bundle"]);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsJsonAsync($"/api/v1/experiments/{id}/conclude", new { decision = "keepA", reason = "again" })).StatusCode);
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}"))!;
        Assert.Contains(ledger, r => (string?)r!["action"] == "experiment-started");
        Assert.Contains(ledger, r => (string?)r!["action"] == "experiment-concluded" && ((string?)r["reason"])!.Contains("no traffic in the test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Results_ArePerSubject_FoldedInTheDatabase_AsABruteForceFoldSays()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        var started = await StartAsync(family, split: 30, mde: 0.015);
        var id = (string)started["id"]!;
        var subjects = Subjects(family, id, 30, 500);
        await PostAsync(subjects, "r");

        var result = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!;

        // Brute force: each subject's errors (Y) and calls (X), summed per arm outside the database.
        SubjectArm Fold(string bundle)
        {
            var arm = subjects.Where(s => s.Bundle == bundle).ToList();
            return new SubjectArm(arm.Count, arm.Sum(s => s.Calls), arm.Sum(s => s.Errors), arm.Sum(s => s.Calls),
                arm.Sum(s => (double)s.Errors * s.Errors), arm.Sum(s => (double)s.Calls * s.Calls), arm.Sum(s => (double)s.Calls * s.Errors));
        }

        var plan = new ExperimentPlan(MetricCatalog.ErrorRate, 30, 0.05, 2, 0.8, 0.015, started["plannedPerArm"]!.GetValue<long>(), started["plannedPerArmB"]!.GetValue<long>());
        var expected = ExperimentAnalysis.PerSubject(plan, Fold(family + "-v1"), Fold(family + "-v2"));
        var observed = result["observed"]!;
        Assert.Equal("subject", (string?)observed["unit"]);
        Assert.Equal(expected.ObservedA, observed["a"]!.GetValue<long>());
        Assert.Equal(expected.ObservedB, observed["b"]!.GetValue<long>());
        Assert.Equal(expected.ValueB!.Value, observed["valueB"]!.GetValue<double>(), 12);
        var r = result["result"]!;
        Assert.Equal(expected.Estimate!.Value, r["estimate"]!.GetValue<double>(), 12);
        Assert.Equal(expected.CiLow!.Value, r["ciLow"]!.GetValue<double>(), 12);
        Assert.Equal(expected.PValue!.Value, r["pValue"]!.GetValue<double>(), 12);
        Assert.Equal(expected.SrmPValue, r["srmPValue"]!.GetValue<double>(), 12);
        Assert.False(r["srmFlagged"]!.GetValue<bool>());
        Assert.Equal(expected.Advice, (string?)r["advice"]);
        Assert.True(expected.ValueB > expected.ValueA, "arm B fails twice as often");
    }

    [Fact]
    public async Task EventsStoredBeforeTheStart_NeverCount_EvenWithLaterTimestamps()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        // A gateway whose clock runs 3 s ahead reports just before the experiment starts: by the time results are read,
        // those timestamps lie inside the experiment, yet the calls were served before it.
        await _client.PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 50).Select(i => new
            {
                requestId = $"early-{i}", bundle = family + (i % 2 == 0 ? "-v1" : "-v2"), subject = $"s{i}", timestamp = DateTime.UtcNow.AddSeconds(3),
                latencyMs = 300, inputTokens = 10, outputTokens = 5, success = true,
            }),
        }, HttpStatusCode.Accepted);
        var id = (string)(await StartAsync(family, split: 50))["id"]!;
        await PostAsync(Subjects(family, id, 50, 20), "late");
        await Task.Delay(TimeSpan.FromSeconds(4));

        var observed = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!["observed"]!;

        Assert.Equal(20, observed["a"]!.GetValue<long>() + observed["b"]!.GetValue<long>());
    }

    [Fact]
    public async Task CallsWithoutSubjects_AreCountedPerRequest()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        var id = (string)(await StartAsync(family, split: 50))["id"]!;
        // 20 calls to A with 2 failures, 10 to B with 3: 10 % against 30 %.
        await _client.PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 20).Select(i => Call(family + "-v1", $"a-{i}", null, i >= 2))
                .Concat(Enumerable.Range(0, 10).Select(i => Call(family + "-v2", $"b-{i}", null, i >= 3))),
        }, HttpStatusCode.Accepted);

        var result = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!;

        var observed = result["observed"]!;
        Assert.Equal(("request", 20L, 10L), ((string?)observed["unit"], observed["a"]!.GetValue<long>(), observed["b"]!.GetValue<long>()));
        Assert.Equal(0.1, observed["valueA"]!.GetValue<double>(), 12);
        Assert.Equal(0.3, observed["valueB"]!.GetValue<double>(), 12);
        Assert.Equal(0.2, result["result"]!["estimate"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task ADeliberatelySkewedSplit_IsFlaggedAsASampleRatioMismatch()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        var started = await StartAsync(family, split: 20);
        var id = (string)started["id"]!;
        // 400 subjects, the first 150 forced into B: about 45 % in B against 20 % planned.
        await PostAsync(Subjects(family, id, 20, 400, forceB: 150), "k");

        var r = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!["result"]!;

        Assert.True(r["srmFlagged"]!.GetValue<bool>());
        Assert.True(r["srmPValue"]!.GetValue<double>() < 0.001);
        Assert.Equal("untrustworthy", (string?)r["decision"]);
        Assert.Contains("cannot be trusted", (string?)r["advice"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExperiment_EndsByItself_WhenArmBIsRolledBack_AndKeepsItsResult()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        var id = (string)(await StartAsync(family, split: 50))["id"]!;
        await PostAsync(Subjects(family, id, 50, 100), "e");
        await _client.PostOkAsync($"/api/v1/families/{family}/rollback", new { reason = "canary looks wrong" });

        var ended = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/experiments/{id}"))!;
        Assert.Equal("ended", (string?)ended["state"]);
        Assert.Null(ended["decision"]);
        Assert.Contains("left CANARY", (string?)ended["reason"], StringComparison.Ordinal);
        Assert.Equal(100, ended["observed"]!["a"]!.GetValue<long>() + ended["observed"]!["b"]!.GetValue<long>());
        var route = (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject=s1"))!;
        Assert.Null(route["experiment"]);
        Assert.Equal(family + "-v1", (string?)route["bundle"]);
        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}&automatic=true"))!;
        Assert.Contains(ledger, r => (string?)r!["action"] == "experiment-ended");
        var list = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/experiments?family={family}"))!;
        Assert.Equal(id, (string?)list.Single()!["id"]);
    }

    [Fact]
    public async Task BadInput_IsRefused_AndNothingStarts()
    {
        var family = await _client.CanaryFamilyAsync("ex");
        async Task<HttpStatusCode> Start(object body) => (await _client.PostAsJsonAsync("/api/v1/experiments", body)).StatusCode;

        // Arm B must be the family's CANARY bundle: v1 is ACTIVE.
        Assert.Equal(HttpStatusCode.Conflict, await Start(new { family, armB = family + "-v1", splitBPercent = 20, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Equal(HttpStatusCode.BadRequest, await Start(new { family, armB = family + "-v2", splitBPercent = 0, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Equal(HttpStatusCode.BadRequest, await Start(new { family, armB = family + "-v2", splitBPercent = 51, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Equal(HttpStatusCode.BadRequest, await Start(new { family, armB = family + "-v2", splitBPercent = 20, metric = "latencyP95", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        // An error rate of 2 % cannot drop by 5 points.
        var tooLarge = await _client.PostAsJsonAsync("/api/v1/experiments", new { family, armB = family + "-v2", splitBPercent = 20, metric = "errorRate", mde = 0.05, alpha = 0.05, power = 0.8, baseline = 0.02 });
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        Assert.NotNull((await tooLarge.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["mde"]);
        // No traffic and no registered value: the baseline must be given.
        var noBaseline = await _client.PostAsJsonAsync("/api/v1/experiments", new { family, armB = family + "-v2", splitBPercent = 20, metric = "qualityMean", mde = 0.05, alpha = 0.05, power = 0.8 });
        Assert.Equal(HttpStatusCode.BadRequest, noBaseline.StatusCode);
        Assert.NotNull((await noBaseline.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["baseline"]);
        Assert.Equal(HttpStatusCode.NotFound, await Start(new { family = "no-such-family", armB = "x", splitBPercent = 20, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Empty((await _client.GetFromJsonAsync<JsonArray>($"/api/v1/experiments?family={family}"))!);

        // One running experiment per family.
        Assert.Equal(HttpStatusCode.Created, await Start(new { family, armB = family + "-v2", splitBPercent = 20, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Equal(HttpStatusCode.Conflict, await Start(new { family, armB = family + "-v2", splitBPercent = 10, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/experiments/exp-none")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsJsonAsync("/api/v1/experiments/exp-none/conclude", new { decision = "keepA", reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/api/v1/experiments?state=paused")).StatusCode);
    }
}

public sealed class SqliteExperimentsApiTests(SqliteKeysFixture fixture) : ExperimentsApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresExperimentsApiTests(PostgresKeysFixture fixture) : ExperimentsApiTests(fixture), IClassFixture<PostgresKeysFixture>;
