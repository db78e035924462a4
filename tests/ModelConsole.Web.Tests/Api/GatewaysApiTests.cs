using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>What gateways use besides route and telemetry: bearer keys, bundle content, annotations, OFREP and routingChanged.</summary>
public abstract class GatewaysApiTests(KeysFixture fixture)
{
    private HttpClient Api => fixture.Factory.CreateKeyClient();

    private HttpClient Bearer(string key)
    {
        var client = fixture.Factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task KeyAsBearer_IsTheSameKey_AndAWrongOneIs401()
    {
        var family = await Api.CanaryFamilyAsync("bearer");
        using var ok = await Bearer(ConsoleFactory.BootstrapKey).GetAsync($"/api/v1/families/{family}/route?subject=u1");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var wrong = await Bearer("mc_000000000000_nope").GetAsync($"/api/v1/families/{family}/route?subject=u1");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var readOnly = await fixture.KeyAsync([Scopes.ConsoleRead]);
        using var forbidden = await Bearer(readOnly).GetAsync($"/api/v1/families/{family}/route?subject=u1");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Content_IsWhatWasRegistered_WithTheBundleHashAsETag()
    {
        var family = "content-" + Guid.NewGuid().ToString("N")[..8];
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new
        {
            name = family + "-v1", family, provider = "openai", modelId = "gpt-4o-mini", prompt = "You answer briefly.",
            config = new { temperature = 0.2, max_tokens = 300 }, pricing = new { inputPerMillion = 0.15, outputPerMillion = 0.6 },
            fallbacks = new[] { new { provider = "anthropic", modelId = "claude-haiku" } },
        }, HttpStatusCode.Created);
        var key = await fixture.KeyAsync([Scopes.RoutingRead]);
        var gateway = fixture.Factory.CreateKeyClient(key);

        using var response = await gateway.GetAsync($"/api/v1/bundles/{family}-v1/content");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var content = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("gpt-4o-mini", content.GetProperty("modelId").GetString());
        Assert.Equal("You answer briefly.", content.GetProperty("prompt").GetString());
        Assert.Equal(0.2, content.GetProperty("config").GetProperty("temperature").GetDouble());
        Assert.Equal("anthropic", content.GetProperty("fallbacks")[0].GetProperty("provider").GetString());
        Assert.Equal(0.6, content.GetProperty("pricing").GetProperty("outputPerMillion").GetDouble());
        var hash = content.GetProperty("bundleHash").GetString();
        Assert.Equal($"\"{hash}\"", response.Headers.ETag?.ToString());

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/bundles/{family}-v1/content");
        again.Headers.TryAddWithoutValidation("If-None-Match", $"\"{hash}\"");
        using var notModified = await gateway.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        using var missing = await gateway.GetAsync("/api/v1/bundles/no-such-bundle/content");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Annotations_FoldIntoTheCallsMinute_OncePerCall()
    {
        var family = await Api.CanaryFamilyAsync("annot");
        var bundle = family + "-v1";
        var at = DateTime.UtcNow.AddMinutes(-3);
        await Api.PostOkAsync("/api/v1/telemetry", new
        {
            events = Enumerable.Range(0, 4).Select(i => new
            {
                requestId = $"a-{i}", bundle, timestamp = at, latencyMs = 100, inputTokens = 10, outputTokens = 5, success = true,
            }),
        }, HttpStatusCode.Accepted);

        var body = new
        {
            annotations = new object[]
            {
                new { requestId = "a-0", bundle, qualityScore = 0.8, feedback = "negative" },
                new { requestId = "a-1", bundle, qualityScore = 0.4 },
                new { requestId = "a-0", bundle, qualityScore = 0.1 },
                new { requestId = "never-sent", bundle, feedback = "positive" },
                new { requestId = "a-2", bundle, qualityScore = 1.5, feedback = "meh" },
                new { requestId = "a-3", bundle = "no-such-bundle", qualityScore = 0.5 },
                new { requestId = "a-3", bundle },
            },
        };
        using var response = await Api.PostAsJsonAsync("/api/v1/telemetry/annotations", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        Assert.Equal(1, result.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, result.GetProperty("unknown").GetInt32());
        var rejected = result.GetProperty("rejected").EnumerateArray().ToDictionary(r => r.GetProperty("index").GetInt32(), r => r.GetProperty("errors"));
        Assert.Equal([4, 5, 6], rejected.Keys.Order());
        Assert.True(rejected[4].TryGetProperty("qualityScore", out _));
        Assert.True(rejected[4].TryGetProperty("feedback", out _));
        Assert.True(rejected[5].TryGetProperty("bundle", out _));
        Assert.True(rejected[6].TryGetProperty("qualityScore", out _));

        var minute = new DateTime(at.Ticks - at.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var metrics = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bundles/{bundle}/metrics?from={minute:O}&to={minute.AddMinutes(1):O}");
        var point = metrics.GetProperty("points").EnumerateArray().Single(p => p.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(4, point.GetProperty("requests").GetInt64());
        Assert.Equal(0.6, point.GetProperty("qualityMean").GetDouble(), 9); // (0.8 + 0.4) / 2: the duplicate 0.1 is not counted
        Assert.Equal(1, point.GetProperty("negativeFeedback").GetInt64());
    }

    [Fact]
    public async Task ServedModel_IsStoredWithTheCall_AndBounded()
    {
        var family = await Api.CanaryFamilyAsync("served");
        var call = new { requestId = "sm-1", bundle = family + "-v1", timestamp = DateTime.UtcNow, latencyMs = 80, inputTokens = 5, outputTokens = 3, success = true, provider = "anthropic", servedModel = "claude-haiku" };
        var tooLong = call with { requestId = "sm-2", servedModel = new string('m', 300) };
        using var response = await Api.PostAsJsonAsync("/api/v1/telemetry", new { events = new[] { call, tooLong } });
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.True(result.GetProperty("rejected")[0].GetProperty("errors").TryGetProperty("servedModel", out _));

        var factory = fixture.Factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var stored = await db.TelemetryEvents.AsNoTracking().SingleAsync(e => e.RequestId == "sm-1");
        Assert.Equal(("anthropic", "claude-haiku"), (stored.Provider, stored.ServedModel));
    }

    [Fact]
    public async Task Annotations_RefuseABodyThatIsNotABatch()
    {
        using var response = await Api.PostAsync("/api/v1/telemetry/annotations", new StringContent("{\"annotations\": 3}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var empty = await Api.PostAsync("/api/v1/telemetry/annotations", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    private static StringContent Context(object context) => new(JsonSerializer.Serialize(new { context }), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Ofrep_AnswersWhatRouteAnswers_ForEverySubject()
    {
        var family = await Api.CanaryFamilyAsync("ofrep", canaryPercent: 25);
        var key = await fixture.KeyAsync([Scopes.RoutingRead]);
        var gateway = Bearer(key);
        var bundle = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bundles/{family}-v2");
        var canaries = 0;
        for (var i = 0; i < 200; i++)
        {
            var subject = "user-" + i;
            var route = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/families/{family}/route?subject={subject}");
            using var response = await gateway.PostAsync($"/ofrep/v1/evaluate/flags/{family}", Context(new { targetingKey = subject, plan = "pro" }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var flag = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(family, flag.GetProperty("key").GetString());
            Assert.Equal(route.GetProperty("bundle").GetString(), flag.GetProperty("value").GetString());
            Assert.Equal("SPLIT", flag.GetProperty("reason").GetString());
            var metadata = flag.GetProperty("metadata");
            Assert.Equal(route.GetProperty("stage").GetString(), metadata.GetProperty("stage").GetString());
            Assert.Equal(route.GetProperty("routingVersion").GetInt64(), metadata.GetProperty("routingVersion").GetInt64());
            if (flag.GetProperty("variant").GetString() == "canary")
            {
                canaries++;
                Assert.Equal(bundle.GetProperty("bundleHash").GetString(), metadata.GetProperty("bundleHash").GetString());
                Assert.Equal("m2", metadata.GetProperty("modelId").GetString());
            }
            else
            {
                Assert.Equal("active", flag.GetProperty("variant").GetString());
            }
        }

        Assert.InRange(canaries, 25, 80); // 25 % of 200, give or take the hash's luck
    }

    [Fact]
    public async Task Ofrep_ErrorsAreOfrepsOwn()
    {
        var family = await Api.CanaryFamilyAsync("ofrep-err");
        var gateway = Bearer(ConsoleFactory.BootstrapKey);

        async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, HttpContent content)
        {
            using var response = await gateway.PostAsync(path, content);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        var noKey = await Post($"/ofrep/v1/evaluate/flags/{family}", Context(new { plan = "pro" }));
        Assert.Equal(HttpStatusCode.BadRequest, noKey.Status);
        Assert.Equal("TARGETING_KEY_MISSING", noKey.Body.GetProperty("errorCode").GetString());
        Assert.Equal(family, noKey.Body.GetProperty("key").GetString());

        var malformed = await Post($"/ofrep/v1/evaluate/flags/{family}", new StringContent("{\"context\": {", Encoding.UTF8, "application/json"));
        Assert.Equal("PARSE_ERROR", malformed.Body.GetProperty("errorCode").GetString());
        var notObject = await Post($"/ofrep/v1/evaluate/flags/{family}", new StringContent("{\"context\": 7}", Encoding.UTF8, "application/json"));
        Assert.Equal("INVALID_CONTEXT", notObject.Body.GetProperty("errorCode").GetString());
        var numberKey = await Post($"/ofrep/v1/evaluate/flags/{family}", Context(new { targetingKey = 42 }));
        Assert.Equal("INVALID_CONTEXT", numberKey.Body.GetProperty("errorCode").GetString());

        var unknown = await Post("/ofrep/v1/evaluate/flags/no-such-family", Context(new { targetingKey = "u" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("FLAG_NOT_FOUND", unknown.Body.GetProperty("errorCode").GetString());

        var empty = "ofrep-empty-" + Guid.NewGuid().ToString("N")[..6];
        await Api.PostOkAsync("/api/v1/families", new { name = empty }, HttpStatusCode.Created);
        var noActive = await Post($"/ofrep/v1/evaluate/flags/{empty}", Context(new { targetingKey = "u" }));
        Assert.Equal(HttpStatusCode.NotFound, noActive.Status);
        Assert.Contains("no ACTIVE bundle", noActive.Body.GetProperty("errorDetails").GetString(), StringComparison.Ordinal);

        using var anonymous = await fixture.Factory.CreateClient().PostAsync($"/ofrep/v1/evaluate/flags/{family}", Context(new { targetingKey = "u" }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task OfrepBulk_HasEveryFamily_AndAnETagThatAnswers304()
    {
        var family = await Api.CanaryFamilyAsync("ofrep-bulk");
        var gateway = Bearer(ConsoleFactory.BootstrapKey);
        using var response = await gateway.PostAsync("/ofrep/v1/evaluate/flags", Context(new { targetingKey = "user-7" }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bulk = await response.Content.ReadFromJsonAsync<JsonElement>();
        var flag = bulk.GetProperty("flags").EnumerateArray().Single(f => f.GetProperty("key").GetString() == family);
        var route = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/families/{family}/route?subject=user-7");
        Assert.Equal(route.GetProperty("bundle").GetString(), flag.GetProperty("value").GetString());
        var etag = response.Headers.ETag!.ToString();

        using var same = new HttpRequestMessage(HttpMethod.Post, "/ofrep/v1/evaluate/flags") { Content = Context(new { targetingKey = "user-7" }) };
        same.Headers.TryAddWithoutValidation("If-None-Match", etag);
        using var notModified = await gateway.SendAsync(same);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // Another subject, or a routing change, is another answer.
        using var other = new HttpRequestMessage(HttpMethod.Post, "/ofrep/v1/evaluate/flags") { Content = Context(new { targetingKey = "user-8" }) };
        other.Headers.TryAddWithoutValidation("If-None-Match", etag);
        Assert.Equal(HttpStatusCode.OK, (await gateway.SendAsync(other)).StatusCode);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 10, reason = "ramp", @override = true });
        using var changed = new HttpRequestMessage(HttpMethod.Post, "/ofrep/v1/evaluate/flags") { Content = Context(new { targetingKey = "user-7" }) };
        changed.Headers.TryAddWithoutValidation("If-None-Match", etag);
        Assert.Equal(HttpStatusCode.OK, (await gateway.SendAsync(changed)).StatusCode);

        using var bad = await gateway.PostAsync("/ofrep/v1/evaluate/flags", Context(new { }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("TARGETING_KEY_MISSING", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task Hub_AGatewayKeyHearsRoutingChangedOnly()
    {
        var family = await Api.CanaryFamilyAsync("hub-routing");
        var gatewayKey = await fixture.KeyAsync([Scopes.RoutingRead]);
        await using var gateway = fixture.Factory.CreateHubConnection(gatewayKey);
        await using var reader = fixture.Factory.CreateHubConnection();
        var routing = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var readerRouting = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gatewayStage = 0;
        gateway.On<JsonElement>("routingChanged", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                routing.TrySetResult(e);
            }
        });
        gateway.On<JsonElement>("stageChanged", _ => Interlocked.Increment(ref gatewayStage));
        var readerStage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.On<JsonElement>("stageChanged", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                readerStage.TrySetResult();
            }
        });
        reader.On<JsonElement>("routingChanged", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                readerRouting.TrySetResult(e);
            }
        });
        await gateway.StartAsync();
        await reader.StartAsync();

        await Api.PostOkAsync($"/api/v1/families/{family}/rollback", new { reason = "test" });
        var changed = await routing.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await readerStage.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await readerRouting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var table = await Api.GetFromJsonAsync<JsonElement>("/api/v1/routing-table");
        var row = table.GetProperty("families").EnumerateArray().Single(f => f.GetProperty("name").GetString() == family);
        Assert.Equal(row.GetProperty("routingVersion").GetInt64(), changed.GetProperty("routingVersion").GetInt64());
        Assert.Equal(0, Volatile.Read(ref gatewayStage));

        var noScope = await fixture.KeyAsync([Scopes.TelemetryWrite]);
        await using var refused = fixture.Factory.CreateHubConnection(noScope);
        var ex = await Assert.ThrowsAnyAsync<HttpRequestException>(() => refused.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
    }
}

public sealed class SqliteGatewaysApiTests(SqliteKeysFixture fixture) : GatewaysApiTests(fixture), IClassFixture<SqliteKeysFixture>;

public sealed class PostgresGatewaysApiTests(PostgresKeysFixture fixture) : GatewaysApiTests(fixture), IClassFixture<PostgresKeysFixture>;
