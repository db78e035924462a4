using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using ModelConsole.Web.Tests.Infrastructure;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ModelConsole.Web.Tests.Gateways;

/// <summary>
/// The OpenTelemetry intake against the console as its own process on loopback, fed by the real libraries: the
/// Microsoft.Extensions.AI OpenTelemetry chat client around its OpenAI client (pointed at a fake OpenAI endpoint),
/// exported by OpenTelemetry .NET's OTLP exporter over HTTP/protobuf; and hand-written OTLP/JSON bodies per the
/// specification, plain and gzip.
/// </summary>
public sealed class OtlpIntakeTests(ClientConsoleFixture fixture) : IClassFixture<ClientConsoleFixture>
{
    private const string Source = "otlp-intake-tests";
    private HttpClient Api => fixture.Api;

    [Fact]
    public async Task RealExporter_EveryCallOnce_WithItsTokensLatencyErrorsAndCost_AndAReExportCountsNothingTwice()
    {
        var bundle = await BundleAsync("otel-real");
        await using var openAi = await FakeOpenAi.StartAsync();
        openAi.Failing["gpt-broken"] = true;
        var captured = new List<Activity>();
        var bodies = new ConcurrentQueue<byte[]>();
        using (var tracing = Tracing(bundle, captured, bodies))
        {
            var openAiClient = new OpenAIClient(new ApiKeyCredential("fake-key"), new OpenAIClientOptions { Endpoint = openAi.Endpoint, RetryPolicy = new ClientRetryPolicy(0) });
            using var chat = openAiClient.GetChatClient("gpt-4o-mini").AsIChatClient().AsBuilder().UseOpenTelemetry(sourceName: Source).Build();
            using var broken = openAiClient.GetChatClient("gpt-broken").AsIChatClient().AsBuilder().UseOpenTelemetry(sourceName: Source).Build();
            var measured = new List<double>();
            for (var i = 0; i < 9; i++)
            {
                var watch = Stopwatch.StartNew();
                await chat.GetResponseAsync($"question {i}");
                measured.Add(watch.Elapsed.TotalMilliseconds);
            }

            for (var i = 0; i < 2; i++)
            {
                await Assert.ThrowsAnyAsync<Exception>(() => broken.GetResponseAsync($"failing {i}"));
            }

            Assert.True(tracing.ForceFlush(10_000));
            Assert.Equal(11, captured.Count);

            var stored = await StoredAsync(captured);
            Assert.Equal(11, stored.Count);
            for (var i = 0; i < 9; i++)
            {
                var call = stored[RequestId(captured[i])];
                Assert.True(call.Success);
                Assert.Equal(12, call.InputTokens);
                Assert.Equal(7, call.OutputTokens);
                Assert.Equal(captured[i].Duration.TotalMilliseconds, call.LatencyMs, 0.01);
                // The first call also pays for loading the client's code outside its span.
                Assert.True(i == 0 || Math.Abs(call.LatencyMs - measured[i]) <= 5, $"latency {call.LatencyMs} ms against {measured[i]} ms measured around the call");
                Assert.Equal(captured[i].StartTimeUtc, call.Timestamp, TimeSpan.FromMilliseconds(1));
                Assert.Equal("openai", call.Provider);
                Assert.Equal("gpt-4o-mini", call.ServedModel);
                // Prices: 1 USD per million input tokens, 2 per million output tokens.
                Assert.Equal((12 * 1.0 + 7 * 2.0) / 1e6, call.CostUsd!.Value, 1e-12);
            }

            foreach (var failed in captured.Skip(9))
            {
                var call = stored[RequestId(failed)];
                Assert.False(call.Success);
                Assert.False(string.IsNullOrEmpty(call.ErrorType));
            }

            var before = await MetricsAsync(bundle);
            Assert.Equal((11L, 2L, 108L, 63L), before);

            // The exporter's own requests sent again: every span is a duplicate, nothing is counted twice.
            Assert.NotEmpty(bodies);
            foreach (var body in bodies)
            {
                using var content = Protobuf(body);
                var answer = await Api.PostAsync("/v1/traces", content);
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Empty(await answer.Content.ReadAsByteArrayAsync());
            }

            Assert.Equal(before, await MetricsAsync(bundle));
        }
    }

    [Fact]
    public async Task AProtobufExportGzipped_IsTheSameExport_AndATruncatedOneIs400WithNothingStored()
    {
        var bundle = await BundleAsync("otel-gzip");
        var captured = new List<Activity>();
        var bodies = new ConcurrentQueue<byte[]>();
        using (var tracing = Tracing(bundle, captured, bodies, export: false))
        {
            using var source = new ActivitySource(Source);
            for (var i = 0; i < 3; i++)
            {
                using var span = source.StartActivity("chat gpt-4o-mini", ActivityKind.Client)!;
                span.SetTag("gen_ai.operation.name", "chat").SetTag("gen_ai.provider.name", "openai").SetTag("gen_ai.request.model", "gpt-4o-mini")
                    .SetTag("gen_ai.usage.input_tokens", 100).SetTag("gen_ai.usage.output_tokens", 10);
            }

            Assert.True(tracing.ForceFlush(10_000));
        }

        var body = Assert.Single(bodies);
        using (var truncated = Protobuf(body[..(body.Length - 7)]))
        {
            var answer = await Api.PostAsync("/v1/traces", truncated);
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            Assert.Equal("application/x-protobuf", answer.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(0, (await MetricsAsync(bundle)).Requests);
        using (var gzipped = Protobuf(Gzip(body)))
        {
            gzipped.Headers.ContentEncoding.Add("gzip");
            var answer = await Api.PostAsync("/v1/traces", gzipped);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Empty(await answer.Content.ReadAsByteArrayAsync()); // every span taken: an empty ExportTraceServiceResponse
        }

        Assert.Equal((3L, 0L, 300L, 30L), await MetricsAsync(bundle));
    }

    [Fact]
    public async Task HandWrittenJson_WithHexIdsAndStringInt64s_PlainAndGzip_AndPartialSuccessNamesTheReasons()
    {
        var bundle = await BundleAsync("otel-json");
        var start = DateTime.UtcNow.AddSeconds(-5);
        var spans = new JsonArray
        {
            JsonSpan(start, 250, new() { ["gen_ai.operation.name"] = S("chat"), ["gen_ai.system"] = S("openai"), ["gen_ai.usage.prompt_tokens"] = I("40"), ["gen_ai.usage.completion_tokens"] = I(5) }),
            JsonSpan(start, 300, new() { ["gen_ai.operation.name"] = S("chat"), ["gen_ai.provider.name"] = S("openai"), ["gen_ai.usage.input_tokens"] = I("60"), ["gen_ai.usage.output_tokens"] = I("6"), ["gen_ai.usage.cache_read.input_tokens"] = I("20") },
                events: [new JsonObject { ["name"] = "gen_ai.evaluation.result", ["timeUnixNano"] = Nanos(start).ToString(), ["attributes"] = Attributes(new() { ["gen_ai.evaluation.score.value"] = new JsonObject { ["doubleValue"] = 0.75 } }) }]),
            // Not GenAI: ignored and counted, not rejected.
            JsonSpan(start, 10, new() { ["http.request.method"] = S("GET") }),
            // Rejected: a span naming another bundle that does not exist, tokens below zero or absurd, ending before it starts, ids of the wrong length.
            JsonSpan(start, 10, new() { ["gen_ai.operation.name"] = S("chat"), ["modelconsole.bundle"] = S("no-such-bundle") }),
            JsonSpan(start, 10, new() { ["gen_ai.operation.name"] = S("chat"), ["gen_ai.usage.input_tokens"] = I("-3") }),
            JsonSpan(start, 10, new() { ["gen_ai.operation.name"] = S("chat"), ["gen_ai.usage.output_tokens"] = I("1000000000000") }),
            JsonSpan(start, -10, new() { ["gen_ai.operation.name"] = S("chat") }),
            JsonSpan(start, 10, new() { ["gen_ai.operation.name"] = S("chat") }, spanId: "abcd"),
        };
        var json = Export(bundle, spans);

        var answer = await Api.PostAsync("/v1/traces", new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var partial = (await answer.Content.ReadFromJsonAsync<JsonObject>())!["partialSuccess"]!;
        Assert.Equal("5", partial["rejectedSpans"]!.GetValue<string>());
        var message = partial["errorMessage"]!.GetValue<string>();
        Assert.Contains("there is no bundle named 'no-such-bundle'", message);
        Assert.Contains("inputTokens", message);
        Assert.Contains("outputTokens", message);
        Assert.Contains("ends before it starts", message);
        Assert.Contains("wrong length", message);
        Assert.Contains("1 span(s) ignored", message);

        var stored = await StoredByBundleAsync(bundle);
        Assert.Equal(2, stored.Count);
        Assert.Contains(stored, c => c.InputTokens == 40 && c.OutputTokens == 5 && c.LatencyMs == 250);
        var scored = Assert.Single(stored, c => c.InputTokens == 60);
        Assert.Equal(20, scored.CachedInputTokens);
        Assert.Equal(0.75, scored.QualityScore);

        // The same body gzip-compressed: both accepted spans are duplicates now, nothing counted twice.
        using var gzipped = new ByteArrayContent(Gzip(Encoding.UTF8.GetBytes(json.ToJsonString())));
        gzipped.Headers.ContentType = new("application/json");
        gzipped.Headers.ContentEncoding.Add("gzip");
        answer = await Api.PostAsync("/v1/traces", gzipped);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(2, (await StoredByBundleAsync(bundle)).Count);
        Assert.Equal(2L, (await MetricsAsync(bundle)).Requests);
    }

    [Fact]
    public async Task AShadowSpan_IsPairedWithItsPrimary_InTheComparison()
    {
        var family = await ShadowFamilyAsync("otel-shadow");
        var start = DateTime.UtcNow.AddSeconds(-5);
        var primaries = new JsonArray();
        var shadows = new JsonArray();
        for (var i = 0; i < 3; i++)
        {
            var id = $"otel-primary-{Guid.NewGuid():N}";
            primaries.Add(JsonSpan(start, 100, new() { ["gen_ai.operation.name"] = S("chat"), ["modelconsole.request_id"] = S(id), ["modelconsole.bundle"] = S($"{family}-v1") }));
            shadows.Add(JsonSpan(start, 120, new() { ["gen_ai.operation.name"] = S("chat"), ["modelconsole.shadow_of"] = S(id), ["modelconsole.bundle"] = S($"{family}-v2") }));
        }

        // Shadows first: they wait for their primaries, as the JSON ingest's do.
        foreach (var body in new[] { Export(null, shadows), Export(null, primaries) })
        {
            var answer = await Api.PostAsync("/v1/traces", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            Assert.Equal("{}", await answer.Content.ReadAsStringAsync());
        }

        var comparison = await Api.GetFromJsonAsync<JsonObject>($"/api/v1/families/{family}/comparison?windowMinutes=15");
        Assert.Equal(3, comparison!["paired"]!["pairs"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", HttpStatusCode.BadRequest)]
    [InlineData("application/x-protobuf", HttpStatusCode.BadRequest)]
    public async Task BadBodies_AreRefusedAsOtlpExpects_NeverA500(string? contentType, HttpStatusCode expected)
    {
        using var content = new ByteArrayContent("{ not otlp"u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new(contentType);
        }

        var answer = await Api.PostAsync("/v1/traces", content);

        Assert.Equal(expected, answer.StatusCode);
    }

    [Fact]
    public async Task TooManySpans_Is413_AndAWrongKeyIs401()
    {
        var spans = new JsonArray();
        for (var i = 0; i < 100_000; i++)
        {
            spans.Add(new JsonObject { ["traceId"] = "0af7651916cd43dd8448eb211c80319c", ["spanId"] = "b7ad6b7169203331" });
        }

        var answer = await Api.PostAsync("/v1/traces", new StringContent(Export(null, spans).ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = fixture.Url };
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "mc_wrong_key");
        answer = await anonymous.PostAsync("/v1/traces", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
    }

    /// <summary>
    /// The test application's tracing. Its spans start traces of their own: an activity another test left current
    /// would otherwise be their parent, and the default sampler drops the children of an unsampled one.
    /// </summary>
    private TracerProvider Tracing(string bundle, List<Activity> captured, ConcurrentQueue<byte[]> bodies, bool export = true)
    {
        Activity.Current = null;
        return Sdk.CreateTracerProviderBuilder()
            .AddSource(Source)
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("otlp-intake-tests").AddAttributes([new("modelconsole.bundle", bundle)]))
            .AddInMemoryExporter(captured)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(fixture.Url, "v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Headers = $"Authorization=Bearer {ConsoleProcess.Key}";
                o.HttpClientFactory = () => new HttpClient(new Recorder(bodies, export) { InnerHandler = new HttpClientHandler() });
            })
            .Build();
    }

    /// <summary>Keeps a copy of every body the exporter sends (and, when told so, sends nothing).</summary>
    private sealed class Recorder(ConcurrentQueue<byte[]> bodies, bool send) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            bodies.Enqueue(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
            return send ? await base.SendAsync(request, cancellationToken) : new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([]) };
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            SendAsync(request, cancellationToken).GetAwaiter().GetResult();
    }

    private async Task<string> BundleAsync(string prefix)
    {
        var family = $"{prefix}-{Guid.NewGuid():N}"[..24];
        await Api.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await Api.PostOkAsync("/api/v1/bundles", new
        {
            name = $"{family}-v1", family, provider = "openai", modelId = "gpt-4o-mini", prompt = "p", config = new { },
            pricing = new { inputPerMillion = 1.0, outputPerMillion = 2.0 },
        }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        return $"{family}-v1";
    }

    private async Task<string> ShadowFamilyAsync(string prefix)
    {
        var bundle = await BundleAsync(prefix);
        var family = bundle[..^3];
        await Api.PostOkAsync("/api/v1/bundles", new { name = $"{family}-v2", family, provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { }, parent = bundle }, HttpStatusCode.Created);
        await Api.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 50 });
        return family;
    }

    private async Task<(long Requests, long Errors, long InputTokens, long OutputTokens)> MetricsAsync(string bundle)
    {
        var metrics = await Api.GetFromJsonAsync<JsonElement>($"/api/v1/bundles/{bundle}/metrics?from={DateTime.UtcNow.AddMinutes(-10):O}&to={DateTime.UtcNow.AddMinutes(1):O}");
        var points = metrics.GetProperty("points").EnumerateArray().ToList();
        return (points.Sum(p => p.GetProperty("requests").GetInt64()), points.Sum(p => p.GetProperty("errors").GetInt64()),
            points.Sum(p => p.GetProperty("inputTokens").GetInt64()), points.Sum(p => p.GetProperty("outputTokens").GetInt64()));
    }

    private sealed record StoredCall(string RequestId, DateTime Timestamp, double LatencyMs, long InputTokens, long OutputTokens, long CachedInputTokens,
        double? CostUsd, bool Success, string? ErrorType, double? QualityScore, string? Provider, string? ServedModel);

    private static string RequestId(Activity span) => $"{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}";

    private async Task<Dictionary<string, StoredCall>> StoredAsync(IEnumerable<Activity> spans)
    {
        var ids = spans.Select(RequestId).ToHashSet(StringComparer.Ordinal);
        return (await ReadCallsAsync(null)).Where(c => ids.Contains(c.RequestId)).ToDictionary(c => c.RequestId);
    }

    private Task<List<StoredCall>> StoredByBundleAsync(string bundle) => ReadCallsAsync(bundle);

    /// <summary>The stored calls, read from the console's own SQLite file.</summary>
    private async Task<List<StoredCall>> ReadCallsAsync(string? bundle)
    {
        await using var connection = new SqliteConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT e.RequestId, e.Timestamp, e.LatencyMs, e.InputTokens, e.OutputTokens, e.CachedInputTokens, e.CostUsd, e.Success, e.ErrorType, e.QualityScore, e.Provider, e.ServedModel
            FROM telemetry_events e JOIN bundles b ON b.Id = e.BundleId WHERE $bundle IS NULL OR b.Name = $bundle
            """;
        command.Parameters.AddWithValue("$bundle", (object?)bundle ?? DBNull.Value);
        var calls = new List<StoredCall>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            calls.Add(new StoredCall(reader.GetString(0), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetDouble(6), reader.GetBoolean(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetDouble(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return calls;
    }

    private static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/x-protobuf");
        return content;
    }

    private static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }

    private static ulong Nanos(DateTime utc) => (ulong)(utc - DateTime.UnixEpoch).Ticks * 100;

    private static JsonObject S(string value) => new() { ["stringValue"] = value };

    private static JsonObject I(string value) => new() { ["intValue"] = value };

    private static JsonObject I(long value) => new() { ["intValue"] = value };

    private static JsonArray Attributes(Dictionary<string, JsonObject> attributes) =>
        [.. attributes.Select(a => (JsonNode)new JsonObject { ["key"] = a.Key, ["value"] = a.Value })];

    /// <summary>A span as OTLP/JSON writes one: lower-case hex ids, 64-bit times as strings.</summary>
    private static JsonObject JsonSpan(DateTime start, double milliseconds, Dictionary<string, JsonObject> attributes, JsonArray? events = null, string? spanId = null)
    {
        var startNanos = Nanos(start);
        var endNanos = (ulong)((long)startNanos + (long)(milliseconds * 1e6));
        return new JsonObject
        {
            ["traceId"] = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            ["spanId"] = spanId ?? Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]),
            ["name"] = "chat",
            ["kind"] = 3,
            ["startTimeUnixNano"] = startNanos.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["endTimeUnixNano"] = endNanos.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["attributes"] = Attributes(attributes),
            ["events"] = events ?? [],
            ["status"] = new JsonObject { ["code"] = 0 },
        };
    }

    private static JsonObject Export(string? bundle, JsonArray spans) => new()
    {
        ["resourceSpans"] = new JsonArray
        {
            new JsonObject
            {
                ["resource"] = new JsonObject { ["attributes"] = bundle is null ? new JsonArray() : Attributes(new() { ["modelconsole.bundle"] = S(bundle) }) },
                ["scopeSpans"] = new JsonArray { new JsonObject { ["scope"] = new JsonObject { ["name"] = "hand-written" }, ["spans"] = spans } },
            },
        },
    };
}
