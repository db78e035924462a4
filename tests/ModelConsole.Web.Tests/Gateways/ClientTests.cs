using System.Collections.Concurrent;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelConsole.Client;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;
using OpenAI;

namespace ModelConsole.Web.Tests.Gateways;

/// <summary>The console as its own process on loopback, shared by the client tests that do not stop it.</summary>
public sealed class ClientConsoleFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public ConsoleProcess Console { get; private set; } = null!;

    public HttpClient Api => Console.Client;

    public TestDatabase Database => _database!;

    public Uri Url => new($"http://127.0.0.1:{Console.Port}/");

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        Console = new ConsoleProcess(_database, new Dictionary<string, string> { ["Evaluation__IntervalSeconds"] = "1" });
        await Console.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Console.DisposeAsync();
        await _database!.DisposeAsync();
    }

    public ModelConsoleClientOptions Options(Action<ModelConsoleClientOptions>? change = null)
    {
        var options = new ModelConsoleClientOptions { ConsoleUrl = Url, ApiKey = ConsoleProcess.Key, PollInterval = TimeSpan.FromSeconds(30) };
        change?.Invoke(options);
        return options;
    }
}

/// <summary>
/// ModelConsole.Client against the real console: local answers equal <c>route</c>'s, changes arrive by push and by
/// polling, and the chat middleware serves bundles through Microsoft.Extensions.AI's real OpenAI client.
/// </summary>
public class ClientTests(ClientConsoleFixture fixture) : IClassFixture<ClientConsoleFixture>
{
    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task Resolve_EqualsRoute_ForTenThousandSubjects_OverCanaryShadowAndExperiment()
    {
        var canary = await Api.CanaryFamilyAsync("cl-canary", canaryPercent: 25);
        var shadowed = await Api.CanaryFamilyAsync("cl-shadow", canaryPercent: 10);
        await Api.PostOkAsync("/api/v1/bundles", new { name = shadowed + "-v3", family = shadowed, provider = "openai", modelId = "m3", prompt = "p", config = new { }, parent = shadowed + "-v1" }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{shadowed}-v3/transitions", new { to = "SHADOW", mirrorPercent = 30 });
        var experiment = await Api.CanaryFamilyAsync("cl-exp");
        await Api.PostOkAsync("/api/v1/experiments", new { family = experiment, armB = experiment + "-v2", splitBPercent = 40, metric = "errorRate", mde = 0.01, alpha = 0.05, power = 0.8, baseline = 0.02 }, HttpStatusCode.Created);

        await using var client = new ModelConsoleClient(fixture.Options());
        await client.StartAsync();
        string[] families = [canary, shadowed, experiment];
        var mismatches = new ConcurrentBag<string>();
        var canaried = 0;
        var mirrored = 0;
        var armB = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 10_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var family = families[i % 3];
            var subject = $"subject-{i}";
            var local = client.Resolve(family, subject);
            var route = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/families/{family}/route?subject={subject}", ct);
            var experimentArm = route.GetProperty("experiment") is { ValueKind: JsonValueKind.Object } e ? e.GetProperty("arm").GetString() : null;
            if (local.Bundle != route.GetProperty("bundle").GetString()
                || !string.Equals(local.Stage.ToString(), route.GetProperty("stage").GetString(), StringComparison.OrdinalIgnoreCase)
                || local.MirrorTo != route.GetProperty("mirrorTo").GetString()
                || (local.ExperimentArm == '\0' ? null : local.ExperimentArm.ToString()) != experimentArm
                || local.RoutingVersion != route.GetProperty("routingVersion").GetInt64())
            {
                mismatches.Add($"{family}/{subject}: local {local} vs route {route}");
            }

            Interlocked.Add(ref canaried, local.Stage == Stage.Canary && local.ExperimentArm == '\0' ? 1 : 0);
            Interlocked.Add(ref mirrored, local.MirrorTo is null ? 0 : 1);
            Interlocked.Add(ref armB, local.ExperimentArm == 'B' ? 1 : 0);
            Assert.Equal(family == experiment || family == canary || family == shadowed ? ResolveReason.Split : ResolveReason.Static, local.Reason);
        });

        Assert.True(mismatches.IsEmpty, string.Join("\n", mismatches.Take(5)));
        // Every routing feature was exercised, not only the ACTIVE answer.
        Assert.True(canaried > 500 && mirrored > 500 && armB > 800, $"canary {canaried}, mirrored {mirrored}, arm B {armB}");
    }

    [Fact]
    public async Task ARollback_ReachesTheClient_WithinASecond_ByPush()
    {
        var family = await Api.CanaryFamilyAsync("cl-push", canaryPercent: 20);
        await using var client = new ModelConsoleClient(fixture.Options());
        await client.StartAsync();
        await WaitForHubAsync(client, family);

        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.TableChanged += table =>
        {
            if (table.Families.TryGetValue(family, out var route) && route.Canary is null)
            {
                changed.TrySetResult();
            }
        };
        var clock = Stopwatch.StartNew();
        await Api.PostOkAsync($"/api/v1/families/{family}/rollback", new { reason = "push test" });
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the push took {clock.ElapsedMilliseconds} ms");
        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(family + "-v1", client.Resolve(family, "s" + i).Bundle));
    }

    /// <summary>The hub connects in the background: a harmless ramp proves the push is live before the timed change.</summary>
    private async Task WaitForHubAsync(ModelConsoleClient client, string family)
    {
        var deadline = Stopwatch.StartNew();
        var percent = 21;
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnChange(RoutingTable table)
            {
                if (table.Families.TryGetValue(family, out var route) && route.Canary?.Percent == percent)
                {
                    seen.TrySetResult();
                }
            }

            client.TableChanged += OnChange;
            await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent, reason = "warm", @override = true });
            var arrived = await Task.WhenAny(seen.Task, Task.Delay(1_000)) == seen.Task;
            client.TableChanged -= OnChange;
            if (arrived)
            {
                return;
            }

            percent++;
        }

        Assert.Fail("the client never heard a push");
    }

    [Fact]
    public async Task WithoutThePush_PollingFindsTheChange_WithinItsInterval()
    {
        var family = await Api.CanaryFamilyAsync("cl-poll", canaryPercent: 20);
        await using var client = new ModelConsoleClient(fixture.Options(o =>
        {
            o.UsePush = false;
            o.PollInterval = TimeSpan.FromMilliseconds(500);
        }));
        await client.StartAsync();
        var before = client.Table!.Version;

        var clock = Stopwatch.StartNew();
        await Api.PostOkAsync($"/api/v1/families/{family}/rollback", new { reason = "poll test" });
        while (client.Table!.Families[family].Canary is not null && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }

        Assert.Null(client.Table.Families[family].Canary);
        Assert.True(client.Table.Version > before);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"polling every 500 ms took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task NoTableYet_AnswersTheDefault_AndAFullQueueDropsAndCounts()
    {
        var options = new ModelConsoleClientOptions
        {
            ConsoleUrl = new Uri($"http://127.0.0.1:{ConsoleProcess.FreePort()}/"), // nothing listens
            ApiKey = "mc_unused_key",
            TelemetryQueueCapacity = 10,
            RequestTimeout = TimeSpan.FromSeconds(1),
        };
        options.DefaultBundles["support-agent"] = "support-agent-v1";
        await using var client = new ModelConsoleClient(options);
        await client.StartAsync();

        var answer = client.Resolve("support-agent", "user-1");
        Assert.Equal(("support-agent-v1", ResolveReason.Default), (answer.Bundle, answer.Reason));
        Assert.Null(client.Resolve("other-family", "user-1").Bundle);

        var taken = Enumerable.Range(0, 1_000).Count(i => client.Report(Event("support-agent-v1", $"r-{i}")));
        Assert.InRange(taken, 10, 11); // the queue, plus at most the one batch the sender already took
        Assert.Equal(1_000 - taken, client.DroppedEvents);
    }

    [Theory]
    [InlineData("relative/path", "key", "absolute http or https")]
    [InlineData("ftp://console.example.com/", "key", "absolute http or https")]
    [InlineData("http://127.0.0.1:1/", "", "ApiKey is required")]
    public void BadOptions_FailAtStart_WithTheReason(string url, string key, string expected)
    {
        var options = new ModelConsoleClientOptions { ConsoleUrl = new Uri(url, UriKind.RelativeOrAbsolute), ApiKey = key };
        var ex = Assert.Throws<OptionsValidationException>(() => new ModelConsoleClient(options));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMiddleware_RefusesANameThatIsNoFamily()
    {
        await using var console = new ModelConsoleClient(fixture.Options());
        var ex = Assert.Throws<ArgumentException>(() => new ModelConsoleChatClient(new FakeChat(), console, "Not A Family", (_, _) => "s"));
        Assert.Contains("is not a family name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongKey_IsLoggedOnce_AndResolvesGoOn()
    {
        var logs = new ListLogger();
        var options = fixture.Options(o =>
        {
            o.ApiKey = "mc_000000000000_wrong";
            o.UsePush = false;
            o.PollInterval = TimeSpan.FromMilliseconds(100);
        });
        options.DefaultBundles["anything"] = "anything-v1";
        await using var client = new ModelConsoleClient(options, logs);
        await client.StartAsync();
        await Task.Delay(800);

        Assert.Equal(ResolveReason.Default, client.Resolve("anything", "u").Reason);
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("refused this client's key (401)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Middleware_ServesTheBundle_MirrorsTheShadow_AndFailsOver()
    {
        await using var openAi = await FakeOpenAi.StartAsync();
        var family = "cl-chat-" + Guid.NewGuid().ToString("N")[..6];
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new
        {
            name = family + "-v1", family, provider = "openai", modelId = "gpt-4o-mini", prompt = "You are the support agent.",
            config = new { temperature = 0.25, max_tokens = 321, top_p = 0.9, response_style = "terse" },
            fallbacks = new[] { new { provider = "backup", modelId = "backup-model" } },
        }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new
        {
            name = family + "-v2", family, provider = "openai", modelId = "gpt-4.1-mini", prompt = "You are the support agent.",
            config = new { temperature = 0.25, max_tokens = 321, top_p = 0.9, response_style = "terse" },
            fallbacks = new[] { new { provider = "backup", modelId = "backup-model" } }, parent = family + "-v1",
        }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 100 });

        await using var console = new ModelConsoleClient(fixture.Options(o => o.TelemetryFlushInterval = TimeSpan.FromMilliseconds(100)));
        await console.StartAsync();
        using var chat = Chat(openAi, console, family);

        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is my order?")], new ChatOptions { ConversationId = "user-1" });
        Assert.Equal("gpt-4o-mini says: Where is my order?", response.Text);
        var requestId = (string)response.AdditionalProperties![ModelConsoleChatClient.RequestIdProperty]!;

        // What reached the provider: the bundle's model, its prompt first, its config mapped (and an unknown key kept).
        var primary = openAi.Requests.First(r => (string?)r["model"] == "gpt-4o-mini");
        Assert.Equal("system", (string?)primary["messages"]![0]!["role"]);
        Assert.Equal("You are the support agent.", primary["messages"]![0]!["content"]!.ToString());
        Assert.Equal(0.25, (double)primary["temperature"]!, 3);
        Assert.Equal(321, (int?)primary["max_completion_tokens"] ?? (int?)primary["max_tokens"]);
        Assert.Equal(0.9, (double)primary["top_p"]!, 3);

        // The shadow call happens in the background, with the shadow bundle's model.
        await Eventually(() => openAi.Requests.Any(r => (string?)r["model"] == "gpt-4.1-mini"), "the shadow call");

        // A provider outage: the failover chain serves, and the call is reported with who served it.
        openAi.Failing["gpt-4o-mini"] = true;
        var failedOver = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Still there?")], new ChatOptions { ConversationId = "user-2" });
        Assert.Equal("backup-model says: Still there?", failedOver.Text);
        openAi.Failing.Clear();

        await Eventually(() => chat.ShadowCallsInFlight == 0, "shadow calls to finish");
        await console.FlushAsync();
        var comparison = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/families/{family}/comparison?windowMinutes=60");
        Assert.True(comparison.GetProperty("paired").GetProperty("pairs").GetInt64() >= 2, comparison.ToString());
        Assert.False(await console.AnnotateAsync(requestId, family + "-v1", qualityScore: 2)); // out of [0, 1]: refused
        Assert.True(await console.AnnotateAsync(requestId, family + "-v1", qualityScore: 0.9, feedback: "positive"));
        Assert.False(await console.AnnotateAsync(requestId, family + "-v1", qualityScore: 0.1));
        var metrics = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bundles/{family}-v1/metrics?from={DateTime.UtcNow.AddMinutes(-5):O}&to={DateTime.UtcNow.AddMinutes(1):O}");
        var points = metrics.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("requests").GetInt64() > 0).ToList();
        Assert.Equal(2, points.Sum(p => p.GetProperty("requests").GetInt64()));
        Assert.Equal(0.9, points.Single(p => p.GetProperty("qualityMean").ValueKind == JsonValueKind.Number).GetProperty("qualityMean").GetDouble(), 6);
    }

    [Fact]
    public async Task Streaming_IsServedByTheBundle_AndReportedOnceAtTheEnd()
    {
        await using var openAi = await FakeOpenAi.StartAsync();
        var family = "cl-stream-" + Guid.NewGuid().ToString("N")[..6];
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "stream-model", prompt = "Be brief.", config = new { temperature = 0.5 } }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await using var console = new ModelConsoleClient(fixture.Options(o => o.TelemetryFlushInterval = TimeSpan.FromMilliseconds(100)));
        await console.StartAsync();
        using var chat = Chat(openAi, console, family);

        var text = new System.Text.StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "stream please")], new ChatOptions { ConversationId = "user-s" }))
        {
            text.Append(update.Text);
        }

        Assert.Equal("stream-model says: stream please", text.ToString());
        var request = openAi.Requests.Single(r => (string?)r["model"] == "stream-model");
        Assert.True((bool?)request["stream"]);
        Assert.Equal("Be brief.", request["messages"]![0]!["content"]!.ToString());
        await console.FlushAsync();
        var metrics = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bundles/{family}-v1/metrics?from={DateTime.UtcNow.AddMinutes(-5):O}&to={DateTime.UtcNow.AddMinutes(1):O}");
        var points = metrics.GetProperty("points").EnumerateArray().Where(p => p.GetProperty("requests").GetInt64() > 0).ToList();
        Assert.Equal(1, points.Sum(p => p.GetProperty("requests").GetInt64()));
        Assert.Equal(7, points.Sum(p => p.GetProperty("outputTokens").GetInt64()));
    }

    [Fact]
    public async Task ADegradedCanary_IsRolledBackByTheConsole_AndTheNextCallsGoToTheActive()
    {
        await using var openAi = await FakeOpenAi.StartAsync();
        var family = "cl-roll-" + Guid.NewGuid().ToString("N")[..6];
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "good-model", prompt = "p", config = new { } }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "bad-model", prompt = "p", config = new { }, parent = family + "-v1" }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 25, reason = "test", @override = true });
        using (var rules = await Api.PutAsJsonAsync($"/api/v1/families/{family}/rules", new[] { new { metric = "errorRate", action = "rollback", minSamples = 30, consecutive = 1, windowMinutes = 10 } }))
        {
            Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        }

        openAi.Failing["bad-model"] = true;
        await using var console = new ModelConsoleClient(fixture.Options(o => o.TelemetryFlushInterval = TimeSpan.FromMilliseconds(100)));
        await console.StartAsync();
        using var chat = Chat(openAi, console, family, withBackup: false);
        var canarySubjects = Enumerable.Range(0, 2_000).Select(i => "user-" + i).Where(s => console.Resolve(family, s).Stage == Stage.Canary).Take(60).ToList();
        var activeSubjects = Enumerable.Range(0, 2_000).Select(i => "user-" + i).Where(s => console.Resolve(family, s).Stage == Stage.Active).Take(200).ToList();
        foreach (var subject in activeSubjects)
        {
            await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ConversationId = subject });
        }

        foreach (var subject in canarySubjects)
        {
            await Assert.ThrowsAnyAsync<ClientResultException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { ConversationId = subject }));
        }

        await console.FlushAsync();
        var rolledBack = Stopwatch.StartNew();
        while (console.Resolve(family, canarySubjects[0]).Bundle != family + "-v1" && rolledBack.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        Assert.Equal(family + "-v1", console.Resolve(family, canarySubjects[0]).Bundle);
        foreach (var subject in canarySubjects.Take(10))
        {
            var answer = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "again")], new ChatOptions { ConversationId = subject });
            Assert.Equal("good-model says: again", answer.Text);
        }
    }

    private static ModelConsoleChatClient Chat(FakeOpenAi openAi, ModelConsoleClient console, string family, bool withBackup = true)
    {
        var openAiClient = new OpenAIClient(new ApiKeyCredential("fake-key"), new OpenAIClientOptions { Endpoint = openAi.Endpoint, RetryPolicy = new ClientRetryPolicy(0) });
        // OpenAI's chat clients are bound to a model: one per (provider, model), as the middleware's resolver allows.
        var clients = new ConcurrentDictionary<(string, string), IChatClient>();
        return new ModelConsoleChatClient(new FakeChat(), console, family, (_, options) => options?.ConversationId ?? "anonymous",
            (provider, model) => provider is "openai" || provider == "backup" && withBackup
                ? clients.GetOrAdd((provider, model), key => openAiClient.GetChatClient(key.Item2).AsIChatClient())
                : null);
    }

    private static TelemetryEvent Event(string bundle, string requestId) => new()
    {
        RequestId = requestId, Bundle = bundle, Timestamp = DateTimeOffset.UtcNow, LatencyMs = 10, InputTokens = 1, OutputTokens = 1, Success = true,
    };

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }
}

/// <summary>An inner client no bundle should reach (every provider in these tests is mapped).</summary>
internal sealed class FakeChat : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("no provider client for this bundle");

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("no provider client for this bundle");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}

/// <summary>Collects log entries for assertions.</summary>
internal sealed class ListLogger : ILogger<ModelConsoleClient>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}
