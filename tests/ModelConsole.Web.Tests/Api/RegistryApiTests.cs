using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>The families and bundles API over the real HTTP stack; each provider runs the same cases.</summary>
public abstract class RegistryApiTests(ConsoleFixture fixture)
{
    private const string Prompt = "Answer from the context only.\nCite the article id.";
    private readonly HttpClient _client = fixture.Factory.CreateKeyClient();

    [Fact]
    public async Task CreateFamily_Returns201_AndTheFamilyIsListedWithItsLedger()
    {
        var family = Unique("fam");

        var created = await _client.PostAsJsonAsync("/api/v1/families", new { name = family, description = "Support answers", owner = "support" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/families/{family}", created.Headers.Location?.ToString());
        var list = await _client.GetFromJsonAsync<JsonArray>("/api/v1/families");
        var row = Assert.Single(list!, f => f!["name"]!.GetValue<string>() == family)!;
        Assert.Null(row["active"]);
        Assert.Null(row["canary"]);
        Assert.Equal("unknown", row["health"]!.GetValue<string>());
        var detail = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}");
        Assert.Equal("Support answers", detail!["description"]!.GetValue<string>());
        // A new family has API.md's seven default rules (the last the sequential rollback), in the detail as in GET /families/{family}/rules.
        Assert.Equal(7, detail["rules"]!.AsArray().Count);
        Assert.Equal("sequential", (string?)detail["rules"]![6]!["test"]);
        Assert.Null(detail["rules"]![6]!["windowMinutes"]);
        Assert.Equal("errorRate", (string?)detail["rules"]![0]!["metric"]);
        var record = Assert.Single(detail["recentTransitions"]!.AsArray())!;
        Assert.Equal("family-created", record["action"]!.GetValue<string>());
        Assert.Equal("key:bootstrap", record["actor"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateFamily_Twice_Is409ProblemDetails()
    {
        var family = await CreateFamilyAsync();

        var again = await _client.PostAsJsonAsync("/api/v1/families", new { name = family });

        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already exists");
    }

    [Theory]
    [InlineData("")]
    [InlineData("X")]
    [InlineData("Upper-case")]
    [InlineData("has space")]
    [InlineData("9starts-with-digit")]
    public async Task CreateFamily_WithBadName_Is400WithTheField(string name)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/families", new { name });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem["errors"]!["name"]!.AsArray());
    }

    [Fact]
    public async Task RegisterBundle_Returns201WithHashesComputedAsApiMdDefinesThem()
    {
        var family = await CreateFamilyAsync();
        var name = Unique("b");

        var response = await _client.PostAsJsonAsync("/api/v1/bundles", Body(name, family, config: new { temperature = 0.2, max_tokens = 600 }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        var promptHash = Sha(Prompt);
        var configHash = Sha("""{"max_tokens":600,"temperature":0.2}""");
        Assert.Equal(name, body!["name"]!.GetValue<string>());
        Assert.Equal("STAGING", body["stage"]!.GetValue<string>());
        Assert.Equal(promptHash, body["promptHash"]!.GetValue<string>());
        Assert.Equal(configHash, body["configHash"]!.GetValue<string>());
        Assert.Equal(Sha($"openai\ngpt-4o\n{promptHash}\n{configHash}"), body["bundleHash"]!.GetValue<string>());
        Assert.Empty(body["changed"]!.AsArray());
        Assert.False(body["multiVariable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task GetBundle_ReturnsEveryPart_AndTheRegistrationInTheLedger()
    {
        var family = await CreateFamilyAsync();
        var name = Unique("b");
        await PostOkAsync(Body(name, family,
            pricing: new { inputPerMillion = 2.5, outputPerMillion = 10.0, cachedInputPerMillion = 1.25 },
            baseline: new { samples = 1200, errorRate = 0.012, qualityMean = 0.8, qualityStdDev = 0.1 },
            fallbacks: new[] { new { provider = "azure-openai", modelId = "gpt-4o" } },
            notes: "first"));

        var detail = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{name}");

        Assert.Equal(family, detail!["family"]!.GetValue<string>());
        Assert.Equal(Prompt, detail["prompt"]!.GetValue<string>());
        Assert.Equal(0.2, detail["config"]!["temperature"]!.GetValue<double>());
        Assert.Equal(10.0, detail["pricing"]!["outputPerMillion"]!.GetValue<double>());
        Assert.Equal(1200, detail["baseline"]!["samples"]!.GetValue<long>());
        Assert.Equal("azure-openai", detail["fallbacks"]![0]!["provider"]!.GetValue<string>());
        Assert.Equal("first", detail["notes"]!.GetValue<string>());
        var transition = Assert.Single(detail["transitions"]!.AsArray())!;
        Assert.Equal("bundle-registered", transition["action"]!.GetValue<string>());
        Assert.Equal("key:bootstrap", transition["actor"]!.GetValue<string>());
        Assert.Equal("STAGING", transition["to"]!.GetValue<string>());
    }

    [Fact]
    public async Task RegisterChild_OneVariable_ListsWhatChanged()
    {
        var (family, parent) = await FamilyWithBundleAsync();

        var child = await PostOkAsync(Body(Unique("c"), family, parent: parent, modelId: "gpt-4.1"));

        Assert.Equal(["model"], child["changed"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.False(child["multiVariable"]!.GetValue<bool>());
    }

    [Fact]
    public async Task RegisterChild_MultiVariable_NeedsAJustification_AndKeepsIt()
    {
        var (family, parent) = await FamilyWithBundleAsync();
        var name = Unique("c");

        var refused = await _client.PostAsJsonAsync("/api/v1/bundles", Body(name, family, parent: parent, modelId: "gpt-4.1", prompt: "Other"));
        var problem = await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem["errors"]!["justification"]!.AsArray());
        await AssertNotStoredAsync(name);

        var accepted = await PostOkAsync(Body(name, family, parent: parent, modelId: "gpt-4.1", prompt: "Other", justification: "New model needs new prompt"));
        Assert.True(accepted["multiVariable"]!.GetValue<bool>());
        Assert.Equal(["model", "prompt"], accepted["changed"]!.AsArray().Select(c => c!.GetValue<string>()));
        var detail = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{name}");
        Assert.Equal("New model needs new prompt", detail!["justification"]!.GetValue<string>());
    }

    [Fact]
    public async Task RegisterBundle_WithTakenName_Is409_AndTheOriginalIsUnchanged()
    {
        var (family, parent) = await FamilyWithBundleAsync();

        var again = await _client.PostAsJsonAsync("/api/v1/bundles", Body(parent, family, modelId: "other-model"));

        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already exists");
        var detail = await _client.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{parent}");
        Assert.Equal("gpt-4o", detail!["modelId"]!.GetValue<string>());
    }

    [Fact]
    public async Task RegisterBundle_SameNameConcurrently_StoresExactlyOne()
    {
        var family = await CreateFamilyAsync();
        var name = Unique("race");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _client.PostAsJsonAsync("/api/v1/bundles", Body(name, family, modelId: $"model-{i}"))));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var list = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/bundles?family={family}");
        Assert.Single(list!);
    }

    public static TheoryData<string, string, object> BadBodies() => new()
    {
        { "unknown family", "family", new { name = "bad-one", family = "no-such-family", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { } } },
        { "config not an object", "config", new { name = "bad-two", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new[] { 1, 2 } } },
        { "config missing", "config", new { name = "bad-three", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p" } },
        { "prompt over 256 KB", "prompt", new { name = "bad-four", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = new string('x', 262_145), config = new { } } },
        { "negative price", "pricing.inputPerMillion", new { name = "bad-five", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { }, pricing = new { inputPerMillion = -1, outputPerMillion = 1 } } },
        { "price missing output", "pricing.outputPerMillion", new { name = "bad-six", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { }, pricing = new { inputPerMillion = 1 } } },
        { "baseline rate without samples", "baseline.samples", new { name = "bad-seven", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { }, baseline = new { errorRate = 0.02 } } },
        { "name too long", "name", new { name = "a" + new string('b', 64), family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { } } },
        { "empty name", "name", new { name = "", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { } } },
        { "unknown parent", "parent", new { name = "bad-eight", family = "FAMILY", provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { }, parent = "no-such-bundle" } },
        { "missing provider", "provider", new { name = "bad-nine", family = "FAMILY", modelId = "gpt-4o", prompt = "p", config = new { } } },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task RegisterBundle_BadInput_Is400OnTheField_AndStoresNothing(string because, string field, object body)
    {
        var family = await CreateFamilyAsync();
        var json = JsonSerializer.Serialize(body).Replace("\"FAMILY\"", $"\"{family}\"", StringComparison.Ordinal);
        var before = await CountBundlesAsync();

        var response = await _client.PostAsync("/api/v1/bundles", new StringContent(json, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem["errors"]?[field] is JsonArray { Count: > 0 }, $"{because}: expected an error on '{field}' in {problem}");
        Assert.Equal(before, await CountBundlesAsync());
    }

    [Fact]
    public async Task RegisterBundle_ParentInAnotherFamily_Is400()
    {
        var (_, parent) = await FamilyWithBundleAsync();
        var other = await CreateFamilyAsync();

        var response = await _client.PostAsJsonAsync("/api/v1/bundles", Body(Unique("x"), other, parent: parent, modelId: "gpt-4.1"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("belongs to the family", problem["errors"]!["parent"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task RegisterBundle_IdenticalToParent_Is400_EvenWithReorderedConfig()
    {
        var family = await CreateFamilyAsync();
        var parent = Unique("p");
        await PostOkAsync(Body(parent, family, config: new { a = 1, b = 2 }));

        var response = await _client.PostAsync("/api/v1/bundles", new StringContent(
            $$"""{"name":"{{Unique("same")}}","family":"{{family}}","provider":"openai","modelId":"gpt-4o","prompt":{{JsonSerializer.Serialize(Prompt)}},"config":{ "b" : 2, "a" : 1.0 },"parent":"{{parent}}"}""",
            Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("Nothing differs", problem["errors"]!["parent"]![0]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"name\": 42}")]
    public async Task RegisterBundle_BodyThatIsNotARegistration_Is400ProblemDetails(string body)
    {
        var response = await _client.PostAsync("/api/v1/bundles", new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownNamesInThePath_Are404ProblemDetails()
    {
        await AssertProblemAsync(await _client.GetAsync("/api/v1/bundles/no-such-bundle"), HttpStatusCode.NotFound, "no-such-bundle");
        await AssertProblemAsync(await _client.GetAsync("/api/v1/families/no-such-family"), HttpStatusCode.NotFound, "no-such-family");
        await AssertProblemAsync(await _client.GetAsync("/api/v1/no/such/endpoint"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListBundles_FiltersByFamilyAndStage_AndRefusesAnUnknownStage()
    {
        var (family, parent) = await FamilyWithBundleAsync();
        await PostOkAsync(Body(Unique("c"), family, parent: parent, modelId: "gpt-4.1"));

        var all = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/bundles?family={family}");
        var staging = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/bundles?family={family}&stage=staging");
        var active = await _client.GetFromJsonAsync<JsonArray>($"/api/v1/bundles?family={family}&stage=ACTIVE");

        Assert.Equal(2, all!.Count);
        Assert.Equal(2, staging!.Count);
        Assert.Empty(active!);
        await AssertProblemAsync(await _client.GetAsync("/api/v1/bundles?stage=LIVE"), HttpStatusCode.BadRequest, "Unknown stage");
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheRegistryEndpoints()
    {
        var doc = await _client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");

        var paths = doc!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/families", paths);
        Assert.Contains("/api/v1/families/{family}", paths);
        Assert.Contains("/api/v1/bundles", paths);
        Assert.Contains("/api/v1/bundles/{name}", paths);
        Assert.NotNull(doc["paths"]!["/api/v1/bundles"]!["post"]);
    }

    [Fact]
    public async Task HealthProbes_AnswerOnceTheDatabaseIsMigrated()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task EveryResponse_CarriesTheSecurityHeaders()
    {
        foreach (var path in new[] { "/healthz", "/api/v1/families", "/sign-in" })
        {
            var response = await _client.GetAsync(path);
            var policies = response.Headers.GetValues("Content-Security-Policy").ToList();
            Assert.True(policies.Count == 1, $"{path}: {string.Join(" | ", policies)}");
            Assert.Contains("frame-ancestors 'none'", policies[0]);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        // Pages get the full policy; machine answers one that lets nothing load.
        Assert.Contains("script-src 'self'", (await _client.GetAsync("/sign-in")).Headers.GetValues("Content-Security-Policy").Single());
        Assert.StartsWith("default-src 'none'", (await _client.GetAsync("/api/v1/families")).Headers.GetValues("Content-Security-Policy").Single());
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    private static string Sha(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    private static object Body(
        string name, string family, string? parent = null, string modelId = "gpt-4o", string prompt = Prompt, object? config = null,
        string? justification = null, object? pricing = null, object? baseline = null, object? fallbacks = null, string? notes = null) =>
        new { name, family, provider = "openai", modelId, prompt, config = config ?? new { temperature = 0.2 }, parent, justification, pricing, baseline, fallbacks, notes };

    private async Task<string> CreateFamilyAsync()
    {
        var family = Unique("fam");
        var response = await _client.PostAsJsonAsync("/api/v1/families", new { name = family });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return family;
    }

    private async Task<(string Family, string Bundle)> FamilyWithBundleAsync()
    {
        var family = await CreateFamilyAsync();
        var bundle = Unique("p");
        await PostOkAsync(Body(bundle, family));
        return (family, bundle);
    }

    private async Task<JsonObject> PostOkAsync(object body)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/bundles", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<int> CountBundlesAsync() => (await _client.GetFromJsonAsync<JsonArray>("/api/v1/bundles"))!.Count;

    private async Task AssertNotStoredAsync(string name) =>
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/api/v1/bundles/{name}")).StatusCode);

    private static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? detailContains = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        if (detailContains is not null)
        {
            Assert.Contains(detailContains, problem["detail"]!.GetValue<string>());
        }

        return problem;
    }
}

public sealed class SqliteRegistryApiTests(SqliteConsoleFixture fixture) : RegistryApiTests(fixture), IClassFixture<SqliteConsoleFixture>;

public sealed class PostgresRegistryApiTests(PostgresConsoleFixture fixture) : RegistryApiTests(fixture), IClassFixture<PostgresConsoleFixture>;
