using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// What the on-call engineer reads from the API, on both providers: health that follows the rules from no data to a
/// rollback and back once someone acknowledges it, the family's rules, silences with their ledger records, and the
/// alert list's filters and pages.
/// </summary>
public abstract class OncallApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private T Get<T>()
        where T : notnull => fixture.Factory.Services.GetRequiredService<T>();

    private static IEnumerable<object> Events(string bundle, int count, double errorRate, string prefix) => ApiFamilies.Calls(bundle, count, errorRate, prefix);

    private async Task<JsonObject> FamilyAsync(string family) =>
        (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}"))!;

    private static async Task<JsonObject> EventuallyAsync(Func<Task<JsonObject>> read, Func<JsonObject, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonObject last;
        do
        {
            last = await read();
            if (done(last))
            {
                return last;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"{what}; last answer: {last.ToJsonString()}");
    }

    [Fact]
    public async Task Health_GoesFromNoData_ToOk_ToRolledBack_AndLeavesRolledBackWhenAcknowledged()
    {
        var family = await _client.CanaryFamilyAsync("hl");
        var first = await FamilyAsync(family);
        Assert.Contains((string?)first["health"], new[] { "unknown", "noData" });
        Assert.Equal(0, (int)first["firingAlerts"]!);
        // The family's own rules, API.md's defaults, in the detail.
        var rules = first["rules"]!.AsArray();
        Assert.Equal(7, rules.Count);
        Assert.Equal(("errorRate", "rollback"), ((string?)rules[0]!["metric"], (string?)rules[0]!["action"]));

        // Too few calls to judge: no data.
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 20, 0, "n1").Concat(Events(family + "-v2", 20, 0, "n2")) }, HttpStatusCode.Accepted);
        await EventuallyAsync(() => FamilyAsync(family), f => (string?)f["health"] == "noData", "health should be noData with 20 calls a bundle");

        // Enough healthy calls on both sides: ok.
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v1", 2_000, 0.01, "h1").Concat(Events(family + "-v2", 400, 0.01, "h2")) }, HttpStatusCode.Accepted);
        await EventuallyAsync(() => FamilyAsync(family), f => (string?)f["health"] == "ok", "health should be ok with healthy traffic");

        // The canary fails: the rollback rule rolls it back, and the family says so until someone has seen it.
        await _client.PostOkAsync("/api/v1/telemetry", new { events = Events(family + "-v2", 400, 0.40, "b2") }, HttpStatusCode.Accepted);
        var rolled = await EventuallyAsync(() => FamilyAsync(family), f => (string?)f["health"] == "rolledBack", "health should be rolledBack after the rollback");
        var alertId = (long)rolled["healthAlertId"]!;
        var listed = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}&state=resolved"))!;
        var rollbackAlert = listed.Single(a => (long)a!["id"]! == alertId)!;
        Assert.Equal(("rollback", "rolledBack"), ((string?)rollbackAlert["action"], (string?)rollbackAlert["resolution"]));
        var inList = (await _client.GetFromJsonAsync<JsonArray>("/api/v1/families"))!.Single(f => (string?)f!["name"] == family)!;
        Assert.Equal("rolledBack", (string?)inList["health"]);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/api/v1/alerts/{alertId}/acknowledge", null)).StatusCode);
        var seen = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}"))!.Single(a => (long)a!["id"]! == alertId)!;
        Assert.Equal("resolved", (string?)seen["state"]);
        Assert.NotNull((string?)seen["acknowledgedAt"]);
        var after = await FamilyAsync(family);
        Assert.NotEqual("rolledBack", (string?)after["health"]);
        Assert.NotEqual(alertId, (long?)after["healthAlertId"]);
        // The banner's incidents no longer hold it.
        Assert.DoesNotContain(await Get<RegistryService>().UnseenIncidentsAsync(family, 50, CancellationToken.None), a => a.Id == alertId);
    }

    [Fact]
    public async Task Silences_AreValidated_Listed_Ended_AndLedgered_AndNeverCoverARollbackRule()
    {
        var family = await _client.CanaryFamilyAsync("si");
        var other = await _client.CanaryFamilyAsync("so");
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var foreignRule = (await Get<AlertStore>().RulesAsync(other, CancellationToken.None))!.Rules[1].Id;

        async Task<(HttpStatusCode Status, JsonObject? Body)> Silence(string f, object body)
        {
            var response = await _client.PostAsJsonAsync($"/api/v1/families/{f}/silences", body);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonObject>());
        }

        foreach (var (body, field) in new (object, string)[]
        {
            (new { minutes = 0, reason = "x" }, "minutes"),
            (new { minutes = 1441, reason = "x" }, "minutes"),
            (new { reason = "x" }, "minutes"),
            (new { minutes = 30, reason = "  " }, "reason"),
            (new { minutes = 30, reason = "x", ruleId = foreignRule }, "ruleId"),
        })
        {
            var (status, problem) = await Silence(family, body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(problem!["errors"]!.AsObject().ContainsKey(field), $"{field}: {problem.ToJsonString()}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Silence("no-such-family", new { minutes = 30, reason = "x" })).Status);
        Assert.Empty((await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/silences"))!);

        var (created, silence) = await Silence(family, new { minutes = 30, reason = "provider maintenance" });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.True((bool)silence!["active"]!);
        var id = (long)silence["id"]!;
        Assert.Single((await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{family}/silences"))!);

        // An alert rule's alert raised now is stored, marked silenced; a rollback rule's is not.
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        AlertEntity Alert(int ruleIndex) => new()
        {
            FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[ruleIndex].Id,
            Metric = rules.Rules[ruleIndex].Metric.Name, Action = ruleIndex == 0 ? "rollback" : "alert", Reference = "active", Derivation = "test",
            State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
        };
        var silenced = (await Get<AlertStore>().RaiseAsync(Alert(2), CancellationToken.None))!;
        Assert.Equal(id, silenced.SilenceId);
        var rollback = (await Get<AlertStore>().RaiseAsync(Alert(0), CancellationToken.None))!;
        Assert.Null(rollback.SilenceId);
        // The other family is not silenced.
        Assert.Empty((await _client.GetFromJsonAsync<JsonArray>($"/api/v1/families/{other}/silences"))!);

        var ended = await _client.DeleteAsync($"/api/v1/silences/{id}");
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.False((bool)(await ended.Content.ReadFromJsonAsync<JsonObject>())!["active"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.DeleteAsync("/api/v1/silences/987654321")).StatusCode);
        var after = (await Get<AlertStore>().RaiseAsync(Alert(3), CancellationToken.None))!;
        Assert.Null(after.SilenceId);

        var ledger = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}"))!.Select(r => (string?)r!["action"]).ToList();
        Assert.Contains("silence-created", ledger);
        Assert.Contains("silence-ended", ledger);
    }

    [Fact]
    public async Task TheAlertList_FiltersByFamilyAndState_Pages_AndRefusesBadValues()
    {
        var family = await _client.CanaryFamilyAsync("ls");
        var rules = (await Get<AlertStore>().RulesAsync(family, CancellationToken.None))!;
        var bundle = (await Get<TelemetryService>().FindBundleAsync(family + "-v2", CancellationToken.None))!;
        var ids = new List<long>();
        for (var i = 1; i < 4; i++)
        {
            ids.Add((await Get<AlertStore>().RaiseAsync(new AlertEntity
            {
                FamilyId = rules.FamilyId, Family = family, BundleId = bundle.Id, Bundle = bundle.Name, RuleId = rules.Rules[i].Id, Metric = rules.Rules[i].Metric.Name,
                Action = "alert", Reference = "active", Derivation = "test", State = AlertEntity.Firing, RaisedAt = DateTime.UtcNow,
            }, CancellationToken.None))!.Id);
        }

        await _client.PostAsync($"/api/v1/alerts/{ids[0]}/acknowledge", null);
        var open = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}&state=open"))!;
        Assert.Equal(ids.OrderDescending(), open.Select(a => (long)a!["id"]!));
        var firing = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}&state=firing"))!;
        Assert.Equal(ids.Skip(1).OrderDescending(), firing.Select(a => (long)a!["id"]!));
        Assert.All(open, a => Assert.Equal(family, (string?)a!["family"]));

        var page1 = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}&limit=2"))!;
        var page2 = (await _client.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?family={family}&limit=2&before={(long)page1[^1]!["id"]!}"))!;
        Assert.Equal(ids.OrderDescending(), page1.Concat(page2).Select(a => (long)a!["id"]!));

        foreach (var query in new[] { "limit=0", "limit=1001", "limit=abc", "before=-1", "before=x", "state=angry" })
        {
            var response = await _client.GetAsync($"/api/v1/alerts?{query}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {response.StatusCode}");
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.True(problem["errors"]!.AsObject().ContainsKey(query.Split('=')[0]), $"{query}: {problem.ToJsonString()}");
        }
    }
}

public sealed class SqliteOncallApiTests(SqliteKeysFixture fixture) : OncallApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresOncallApiTests(PostgresKeysFixture fixture) : OncallApiTests(fixture), IClassFixture<PostgresKeysFixture>;
