using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>The pipeline and routing API over the real HTTP stack, on each provider.</summary>
public abstract class PipelineApiTests(KeysFixture fixture)
{
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A family with v1 ACTIVE and v2 (a child of v1) in STAGING.</summary>
    private async Task<(string Family, string V1, string V2)> FamilyAsync()
    {
        var family = Unique("pf");
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/families", new { name = family })).StatusCode);
        var v1 = family + "-v1";
        var v2 = family + "-v2";
        await RegisterAsync(v1, family, "gpt-4o", null);
        await RegisterAsync(v2, family, "gpt-4.1", v1);
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(v1, new { to = "ACTIVE" })).StatusCode);
        return (family, v1, v2);
    }

    private async Task RegisterAsync(string name, string family, string model, string? parent)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = model, prompt = "p", config = new { }, parent });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private Task<HttpResponseMessage> MoveAsync(string bundle, object body, HttpClient? client = null) =>
        (client ?? _client).PostAsJsonAsync($"/api/v1/bundles/{bundle}/transitions", body);

    private async Task<long> VersionAsync(string family) =>
        (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}"))!["routingVersion"]!.GetValue<long>();

    private async Task<JsonObject> RouteAsync(string family, string subject) =>
        (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/route?subject={subject}"))!;

    [Fact]
    public async Task AWholeRelease_ShadowCanaryRampPromote_MovesRoutingAtEachStep()
    {
        var (family, v1, v2) = await FamilyAsync();

        var shadow = await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 100 });
        Assert.Equal(HttpStatusCode.OK, shadow.StatusCode);
        var body = (await shadow.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("STAGING", "SHADOW", 2L), (body["from"]!.GetValue<string>(), body["to"]!.GetValue<string>(), body["routingVersion"]!.GetValue<long>()));
        Assert.Equal(v2, (await RouteAsync(family, "anyone"))["mirrorTo"]!.GetValue<string>());

        var gated = await MoveAsync(v2, new { to = "CANARY", percent = 5 });
        Assert.Equal(HttpStatusCode.Conflict, gated.StatusCode);
        var problem = (await gated.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(problem["gates"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "samples" && !g["passed"]!.GetValue<bool>());
        Assert.Equal(2, await VersionAsync(family));

        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(v2, new { to = "CANARY", percent = 5, @override = true, reason = "offline eval" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await MoveAsync(v2, new { to = "CANARY", percent = 25 })).StatusCode);
        var subjects = Enumerable.Range(0, 400).Select(i => "u" + i).ToList();
        var inCanary = subjects.Where(s => Bucketing.Bucket(family, s) < 2_500).ToList();
        Assert.NotEmpty(inCanary);
        foreach (var subject in subjects.Take(40))
        {
            var expected = inCanary.Contains(subject) ? v2 : v1;
            Assert.Equal(expected, (await RouteAsync(family, subject))["bundle"]!.GetValue<string>());
        }


        var promoted = await MoveAsync(v2, new { to = "ACTIVE", @override = true, reason = "canary clean" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(v2, (await RouteAsync(family, subjects.Except(inCanary).First()))["bundle"]!.GetValue<string>());
        Assert.Equal("DEPRECATED", (await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{v1}"))!["stage"]!.GetValue<string>());
        var ledger = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?family={family}&actor=key:bootstrap");
        Assert.Equal(["deprecated", "transition", "ramp", "transition", "transition", "transition"], ledger!.Take(6).Select(l => l!["action"]!.GetValue<string>()));
    }

    public static TheoryData<string, object, HttpStatusCode> BadTransitions() => new()
    {
        { "percent 0", new { to = "CANARY", percent = 0 }, HttpStatusCode.BadRequest },
        { "percent 26", new { to = "CANARY", percent = 26 }, HttpStatusCode.BadRequest },
        { "percent -1", new { to = "CANARY", percent = -1 }, HttpStatusCode.BadRequest },
        { "mirror 0", new { to = "SHADOW", mirrorPercent = 0 }, HttpStatusCode.BadRequest },
        { "mirror 101", new { to = "SHADOW", mirrorPercent = 101 }, HttpStatusCode.BadRequest },
        { "three decimals", new { to = "SHADOW", mirrorPercent = 10.125 }, HttpStatusCode.BadRequest },
        { "unknown stage", new { to = "LIVE" }, HttpStatusCode.BadRequest },
        { "override without reason", new { to = "ACTIVE", @override = true }, HttpStatusCode.BadRequest },
        { "staging to active with an active", new { to = "ACTIVE" }, HttpStatusCode.Conflict },
        { "staging to canary", new { to = "CANARY", percent = 5 }, HttpStatusCode.Conflict },
        { "stale version", new { to = "SHADOW", mirrorPercent = 5, expectedRoutingVersion = 0 }, HttpStatusCode.Conflict },
    };

    [Theory]
    [MemberData(nameof(BadTransitions))]
    public async Task BadTransitions_AreRefusedWithTheirStatus_AndChangeNothing(string because, object body, HttpStatusCode status)
    {
        var (family, _, v2) = await FamilyAsync();

        var response = await MoveAsync(v2, body);

        Assert.True(response.StatusCode == status, $"{because}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await VersionAsync(family));
    }

    [Fact]
    public async Task NonNumericPercent_Is400()
    {
        var (_, _, v2) = await FamilyAsync();

        var response = await _client.PostAsync($"/api/v1/bundles/{v2}/transitions", new StringContent("""{"to":"CANARY","percent":"five"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ShadowWithoutAnActive_ASecondCanary_AndPromotingADeprecatedBundle_Are409()
    {
        var family = Unique("pf");
        await _client.PostAsJsonAsync("/api/v1/families", new { name = family });
        await RegisterAsync(family + "-a", family, "m1", null);
        Assert.Equal(HttpStatusCode.Conflict, (await MoveAsync(family + "-a", new { to = "SHADOW", mirrorPercent = 5 })).StatusCode);

        var (f2, v1, v2) = await FamilyAsync();
        await RegisterAsync(f2 + "-v3", f2, "m3", v1);
        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });
        await MoveAsync(v2, new { to = "CANARY", percent = 5, @override = true, reason = "r" });
        await MoveAsync(f2 + "-v3", new { to = "SHADOW", mirrorPercent = 5 });
        Assert.Equal(HttpStatusCode.Conflict, (await MoveAsync(f2 + "-v3", new { to = "CANARY", percent = 5, @override = true, reason = "r" })).StatusCode);
        await MoveAsync(v2, new { to = "ACTIVE", @override = true, reason = "r" });
        var deprecated = await MoveAsync(v1, new { to = "ACTIVE", @override = true, reason = "r" });
        Assert.Equal(HttpStatusCode.Conflict, deprecated.StatusCode);
        Assert.Contains("only a rollback", (await deprecated.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Override_ByAKeyWithoutTheOverrideScope_Is403()
    {
        var (_, _, v2) = await FamilyAsync();
        var key = await fixture.KeyAsync([Scopes.PipelineWrite]);
        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });

        var response = await MoveAsync(v2, new { to = "CANARY", percent = 5, @override = true, reason = "please" }, fixture.Factory.CreateKeyClient(key));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AfterARollbackReturns_RouteAlreadyAnswersTheRestoredBundle()
    {
        var (family, v1, v2) = await FamilyAsync();
        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });
        await MoveAsync(v2, new { to = "CANARY", percent = 5, @override = true, reason = "r" });
        await MoveAsync(v2, new { to = "ACTIVE", @override = true, reason = "r" });
        Assert.Equal(v2, (await RouteAsync(family, "user-42"))["bundle"]!.GetValue<string>());

        // Without a candidate the target is the ACTIVE bundle: it must be named (or the version given).
        var unnamed = await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "quality dropped" });
        Assert.Equal(HttpStatusCode.Conflict, unnamed.StatusCode);
        Assert.Contains("name it in 'bundle'", await unnamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var rollback = await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "quality dropped", bundle = v2 });

        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var body = (await rollback.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((v2, v1, false), (body["rolledBack"]!.GetValue<string>(), body["restored"]!.GetValue<string>(), body["alreadyRolledBack"]!.GetValue<bool>()));
        Assert.Equal(v1, (await RouteAsync(family, "user-42"))["bundle"]!.GetValue<string>());
        var detail = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{v2}");
        Assert.Equal(("DEPRECATED", true), (detail!["stage"]!.GetValue<string>(), detail["rolledBack"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Rollback_Twice_OnTheSameVersion_RollsBackOnce()
    {
        var (family, _, v2) = await FamilyAsync();
        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });
        var seen = await VersionAsync(family);

        var first = await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "r", expectedRoutingVersion = seen });
        var second = await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "r", expectedRoutingVersion = seen });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True((await second.Content.ReadFromJsonAsync<JsonObject>())!["alreadyRolledBack"]!.GetValue<bool>());
        Assert.Equal(seen + 1, await VersionAsync(family)); // the ACTIVE was not rolled back as well
    }

    [Fact]
    public async Task Rollback_WithNothingToRollBackTo_Is409_AndWithoutReasonIs400()
    {
        var (family, v1, _) = await FamilyAsync();

        var nothing = await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "r", bundle = v1 });
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        Assert.Contains("no last known good", await nothing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsJsonAsync("/api/v1/families/no-such-family/rollback", new { reason = "r" })).StatusCode);
    }

    [Fact]
    public async Task TwentyConcurrentPromotes_GiveOneSuccess_NineteenConflicts_AndOneLedgerEntry()
    {
        var (family, _, v2) = await FamilyAsync();
        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });
        await MoveAsync(v2, new { to = "CANARY", percent = 5, @override = true, reason = "r" });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => MoveAsync(v2, new { to = "ACTIVE", @override = true, reason = "go" })));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        var ledger = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?bundle={v2}");
        Assert.Single(ledger!, l => l!["to"]!.GetValue<string>() == "ACTIVE");
    }

    [Fact]
    public async Task Route_NeedsASubject_KnowsItsFamilies_AndSaysWhenThereIsNoActive()
    {
        var family = Unique("pf");
        await _client.PostAsJsonAsync("/api/v1/families", new { name = family });

        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/api/v1/families/{family}/route")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/families/no-such-family/route?subject=s")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.GetAsync($"/api/v1/families/{family}/route?subject=s")).StatusCode);
    }

    [Fact]
    public async Task RoutingTable_CarriesAnETag_AndAnswers304WhileNothingChanged()
    {
        var (_, _, v2) = await FamilyAsync();
        var first = await _client.GetAsync("/api/v1/routing-table");
        var etag = first.Headers.ETag!.Tag;

        foreach (var header in new[] { etag, $"W/{etag}", $"\"other\", {etag}", "*" })
        {
            using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/routing-table");
            again.Headers.TryAddWithoutValidation("If-None-Match", header);
            Assert.True((await _client.SendAsync(again)).StatusCode == HttpStatusCode.NotModified, $"If-None-Match: {header}");
        }


        await MoveAsync(v2, new { to = "SHADOW", mirrorPercent = 5 });
        using var afterChange = new HttpRequestMessage(HttpMethod.Get, "/api/v1/routing-table");
        afterChange.Headers.IfNoneMatch.ParseAdd(etag);
        var changed = await _client.SendAsync(afterChange);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag!.Tag);
    }
}

public sealed class SqlitePipelineApiTests(SqliteKeysFixture fixture) : PipelineApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresPipelineApiTests(PostgresKeysFixture fixture) : PipelineApiTests(fixture), IClassFixture<PostgresKeysFixture>;
