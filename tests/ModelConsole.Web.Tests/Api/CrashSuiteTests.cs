using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// kill -9 at random moments: the console runs as its own process and is killed with SIGKILL within 0–50 ms after the
/// acknowledgement of a batch that makes a canary breach its rollback rule, and at random moments of mixed
/// transitions, ramps, rollbacks and experiment starts. After each restart: every breaching canary is rolled back
/// within one evaluation interval, no open alert sits on a bundle outside the live stages, every family has at most
/// one ACTIVE, CANARY and SHADOW, <c>route</c> agrees with <c>GET /families</c>, the ledger's last record per bundle
/// agrees with its stage, and every acknowledged event is counted exactly once.
/// </summary>
public abstract class CrashSuiteTests(DatabaseProvider provider, ITestOutputHelper output) : IAsyncLifetime
{
    private const int Kills = 20;
    private const int IntervalSeconds = 1;
    private static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Evaluation__IntervalSeconds"] = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimit__PerKeyPerSecond"] = "100000",
    };

    private readonly Random _random = new(20261201);
    private readonly Dictionary<string, (long Acknowledged, long InFlight)> _events = new(StringComparer.Ordinal);
    private TestDatabase _database = null!;
    private ConsoleProcess _console = null!;
    private int _next;

    private HttpClient Api => _console.Client;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        _console = new ConsoleProcess(_database, Settings);
        await _console.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _console.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task KilledJustAfterABreachingBatch_EveryBreachingCanaryIsRolledBack_WithinAnInterval()
    {
        const string family = "crash";
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await RegisterAsync(family, "crash-v1", "base");
        await Api.PostOkAsync("/api/v1/bundles/crash-v1/transitions", new { to = "ACTIVE" });
        var flips = new List<double>();
        for (var kill = 0; kill < Kills; kill++)
        {
            var candidate = $"crash-c{kill}";
            await RegisterAsync(family, candidate, "prompt " + kill, parent: "crash-v1");
            await Api.PostOkAsync($"/api/v1/bundles/{candidate}/transitions", new { to = "SHADOW", mirrorPercent = 10 });
            await Api.PostOkAsync($"/api/v1/bundles/{candidate}/transitions", new { to = "CANARY", percent = 10, @override = true, reason = "crash suite" });
            await PostAsync("crash-v1", 300, errorShare: 0.01);

            // The breaching batch: 40 % errors against the active's 1 %, far past the default rollback rule.
            await PostAsync(candidate, 250, errorShare: 0.4);
            await Task.Delay(_random.Next(0, 51));
            await _console.KillAsync();
            var restarted = DateTime.UtcNow;
            await _console.StartAsync();

            await EventuallyAsync(async () => (await FamilyAsync(family))["canary"] is null, $"kill {kill}: {candidate} still the canary");
            flips.Add((DateTime.UtcNow - restarted).TotalSeconds);
            await CheckInvariantsAsync($"after kill {kill}");
        }

        output.WriteLine($"{Kills} kills after a breaching batch; restart to rollback seen: median {Median(flips):0.00} s, max {flips.Max():0.00} s");
    }

    [Fact]
    public async Task KilledAtRandomMomentsOfMixedChanges_EveryInvariantHolds()
    {
        var families = new[] { "mix-a", "mix-b", "mix-c" };
        foreach (var f in families)
        {
            await Api.PostOkAsync("/api/v1/families", new { name = f }, HttpStatusCode.Created);
            await RegisterAsync(f, f + "-v1", "base");
            await Api.PostOkAsync($"/api/v1/bundles/{f}-v1/transitions", new { to = "ACTIVE" });
        }

        for (var kill = 0; kill < Kills; kill++)
        {
            // A burst of changes and telemetry at once; the kill lands somewhere inside it.
            var work = new List<Task>();
            for (var i = 0; i < 6; i++)
            {
                work.Add(Quietly(() => ChangeAsync(families[_random.Next(families.Length)])));
            }

            work.Add(Quietly(() => PostAsync(families[_random.Next(families.Length)] + "-v1", 100, 0.01)));
            await Task.Delay(_random.Next(5, 300));
            await _console.KillAsync();
            await Task.WhenAll(work);
            await _console.StartAsync();
            await CheckInvariantsAsync($"after mixed kill {kill}");
        }
    }

    private async Task ChangeAsync(string family)
    {
        var state = await FamilyAsync(family);
        var version = state["routingVersion"]!.GetValue<long>();
        if (state["canary"] is JsonObject canary)
        {
            var bundle = canary["bundle"]!.GetValue<string>();
            switch (_random.Next(4))
            {
                case 0:
                    await Api.PostAsJsonAsync($"/api/v1/bundles/{bundle}/transitions", new { to = "CANARY", percent = _random.Next(1, 26), expectedRoutingVersion = version });
                    break;
                case 1:
                    await Api.PostAsJsonAsync($"/api/v1/bundles/{bundle}/transitions", new { to = "ACTIVE", @override = true, reason = "crash suite", expectedRoutingVersion = version });
                    break;
                case 2:
                    await Api.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "crash suite", expectedRoutingVersion = version });
                    break;
                default:
                    await Api.PostAsJsonAsync("/api/v1/experiments", new { family, armB = bundle, splitBPercent = 20, metric = "errorRate", mde = 0.5, mdeType = "relative", alpha = 0.05, power = 0.8, baseline = 0.05 });
                    break;
            }
        }
        else if (state["shadow"] is JsonObject shadow)
        {
            await Api.PostAsJsonAsync($"/api/v1/bundles/{shadow["bundle"]!.GetValue<string>()}/transitions",
                new { to = "CANARY", percent = 5, @override = true, reason = "crash suite", expectedRoutingVersion = version });
        }
        else
        {
            var name = $"{family}-n{Interlocked.Increment(ref _next)}";
            if ((await Api.PostAsJsonAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = "m", prompt = name, config = new { }, parent = family + "-v1" })).StatusCode == HttpStatusCode.Created)
            {
                await Api.PostAsJsonAsync($"/api/v1/bundles/{name}/transitions", new { to = "SHADOW", mirrorPercent = 10, expectedRoutingVersion = version });
            }
        }
    }

    private async Task CheckInvariantsAsync(string when)
    {
        var families = (await Api.GetFromJsonAsync<JsonArray>("/api/v1/families"))!;
        var rows = (await Api.GetFromJsonAsync<JsonArray>("/api/v1/bundles"))!;
        var stageOf = rows.ToDictionary(b => b!["name"]!.GetValue<string>(), b => b!["stage"]!.GetValue<string>(), StringComparer.Ordinal);
        foreach (var family in families)
        {
            var name = family!["name"]!.GetValue<string>();
            foreach (var stage in new[] { "ACTIVE", "CANARY", "SHADOW" })
            {
                Assert.True(rows.Count(b => b!["family"]!.GetValue<string>() == name && b["stage"]!.GetValue<string>() == stage) <= 1, $"{when}: {name} has more than one {stage}");
            }

            // route agrees with GET /families: every subject is served the active or the canary named there.
            var active = family["active"]?.GetValue<string>();
            if (active is null)
            {
                continue;
            }

            var served = new HashSet<string>(StringComparer.Ordinal) { active };
            if (family["canary"] is JsonObject c)
            {
                served.Add(c["bundle"]!.GetValue<string>());
            }

            if (family["experiment"] is JsonObject e)
            {
                served.Add(e["armB"]!.GetValue<string>());
            }

            for (var s = 0; s < 20; s++)
            {
                var route = (await Api.GetFromJsonAsync<JsonObject>($"/api/v1/families/{name}/route?subject=s{s}"))!;
                Assert.Contains(route["bundle"]!.GetValue<string>(), served);
            }
        }

        // The ledger's last stage record of each bundle is its stage.
        foreach (var (bundle, stage) in stageOf)
        {
            var records = (await Api.GetFromJsonAsync<JsonArray>($"/api/v1/ledger?bundle={bundle}&take=50"))!;
            if (records.FirstOrDefault(r => r!["to"] is not null) is { } last)
            {
                Assert.True(last["to"]!.GetValue<string>() == stage, $"{when}: {bundle} is {stage} but its last ledger record says {last["to"]}");
            }
        }

        // No open alert sits on a bundle outside the live stages.
        foreach (var state in new[] { "firing", "acknowledged" })
        {
            foreach (var alert in (await Api.GetFromJsonAsync<JsonArray>($"/api/v1/alerts?state={state}"))!)
            {
                var bundle = alert!["bundle"]?.GetValue<string>();
                Assert.True(bundle is null || stageOf.GetValueOrDefault(bundle) is "ACTIVE" or "CANARY" or "SHADOW", $"{when}: alert {alert["id"]} is open on {bundle} ({stageOf.GetValueOrDefault(bundle!)})");
            }
        }

        // Every acknowledged event is counted once; a batch in flight at the kill is there whole or not at all.
        foreach (var (bundle, (acknowledged, inFlight)) in _events)
        {
            var stored = await StoredAsync(bundle);
            Assert.True(stored == acknowledged || stored == acknowledged + inFlight, $"{when}: {bundle} holds {stored} events, acknowledged {acknowledged} (+{inFlight} in flight)");
            _events[bundle] = (stored, 0);
        }
    }

    private async Task PostAsync(string bundle, int count, double errorShare)
    {
        var batch = Interlocked.Increment(ref _next);
        var now = DateTime.UtcNow;
        var events = Enumerable.Range(0, count).Select(i => new
        {
            requestId = $"k{batch}-{i}", bundle, timestamp = now, latencyMs = 300, inputTokens = 10, outputTokens = 5, costUsd = 0.001,
            success = i >= count * errorShare, subject = "u" + i,
        });
        lock (_events)
        {
            var (acked, inFlight) = _events.GetValueOrDefault(bundle);
            _events[bundle] = (acked, inFlight + count);
        }

        var response = await Api.PostAsJsonAsync("/api/v1/telemetry", new { events });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        lock (_events)
        {
            var (acked, inFlight) = _events[bundle];
            _events[bundle] = (acked + count, inFlight - count);
        }
    }

    private async Task RegisterAsync(string family, string name, string prompt, string? parent = null) =>
        await Api.PostOkAsync("/api/v1/bundles", new { name, family, provider = "openai", modelId = "m", prompt, config = new { }, parent }, HttpStatusCode.Created);

    private async Task<JsonObject> FamilyAsync(string family) => (await Api.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}"))!;

    private async Task<long> StoredAsync(string bundle)
    {
        var metrics = (await Api.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{bundle}/metrics?step=60&from={DateTime.UtcNow.AddHours(-3):O}&to={DateTime.UtcNow.AddMinutes(5):O}"))!;
        return metrics["points"]!.AsArray().Sum(p => p!["requests"]!.GetValue<long>());
    }

    private static async Task Quietly(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or Xunit.Sdk.XunitException)
        {
            // The console was killed under this request: whether it happened is what the invariants check.
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        // One evaluation interval, and the time an evaluation itself takes on a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(IntervalSeconds + 4);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(50);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}

public sealed class SqliteCrashSuiteTests(ITestOutputHelper output) : CrashSuiteTests(DatabaseProvider.Sqlite, output);

public sealed class PostgresCrashSuiteTests(ITestOutputHelper output) : CrashSuiteTests(DatabaseProvider.Postgres, output);
