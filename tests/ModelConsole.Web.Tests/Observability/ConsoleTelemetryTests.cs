using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelConsole.Core.Telemetry.Otlp;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace ModelConsole.Web.Tests.Observability;

/// <summary>
/// The console's own telemetry: a Prometheus scrape that parses as the text exposition format and whose meters move
/// when work is done; its spans exported over OTLP to a local receiver; off (and unmapped) by default.
/// </summary>
public sealed class ConsoleTelemetryTests
{
    [Fact]
    public async Task PrometheusScrape_ParsesAsTheExpositionFormat_AndTheConsolesMetersMoveWithWork()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = new ConsoleFactory(database, new Dictionary<string, string?> { ["Metrics:Prometheus"] = "true" });
        var client = factory.CreateKeyClient();
        var family = await client.CanaryFamilyAsync("prom");
        var before = await ScrapeAsync(client);

        for (var i = 0; i < 3; i++)
        {
            (await client.GetAsync($"/api/v1/families/{family}/route?subject=user-{i}")).EnsureSuccessStatusCode();
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/families/no-such-family/route?subject=u")).StatusCode);
        await client.PostOkAsync("/api/v1/telemetry", new { events = ApiFamilies.Calls($"{family}-v1", 10, 0.2, "prom") }, HttpStatusCode.Accepted);
        await client.PostOkAsync("/api/v1/telemetry", new { events = ApiFamilies.Calls($"{family}-v1", 10, 0.2, "prom") }, HttpStatusCode.Accepted);
        await Task.Delay(400); // past the exporter's scrape cache
        var after = await ScrapeAsync(client);

        Assert.Equal(10, Delta(before, after, "modelconsole_telemetry_events_ingested", _ => true));
        Assert.Equal(10, Delta(before, after, "modelconsole_telemetry_events_duplicates", _ => true));
        Assert.True(Delta(before, after, "modelconsole_route_answers", l => l.GetValueOrDefault("outcome") == "served") >= 3);
        Assert.Equal(1, Delta(before, after, "modelconsole_route_answers", l => l.GetValueOrDefault("outcome") == "unknown_family"));
        Assert.Equal("counter", Family(after, "modelconsole_telemetry_events_ingested").Type);
        var commit = Family(after, "modelconsole_telemetry_batch_commit_duration");
        Assert.Equal("histogram", commit.Type);
        Assert.True(commit.Samples.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value >= 2);
        // ASP.NET Core's and the runtime's own meters are scraped too.
        Assert.Contains(after.Keys, k => k.StartsWith("http_server_request_duration", StringComparison.Ordinal));
        Assert.Contains(after.Keys, k => k.StartsWith("dotnet_", StringComparison.Ordinal) || k.StartsWith("process_runtime_dotnet", StringComparison.Ordinal));

        using var anonymous = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.NotEqual(HttpStatusCode.OK, (await anonymous.GetAsync(ModelConsole.Web.Services.Observability.PrometheusPath)).StatusCode);
    }

    [Fact]
    public async Task Off_ByDefault_NoScrapeEndpoint()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = new ConsoleFactory(database);
        var client = factory.CreateKeyClient();

        var answer = await client.GetAsync(ModelConsole.Web.Services.Observability.PrometheusPath);

        Assert.NotEqual("text/plain", answer.Content.Headers.ContentType?.MediaType);
        Assert.Null(factory.Services.GetService<TracerProvider>());
    }

    [Fact]
    public async Task OwnSpans_ReachALocalOtlpReceiver()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = new ConsoleFactory(database, new Dictionary<string, string?> { ["OpenTelemetry:Endpoint"] = receiver.BaseAddress });
        _ = factory.Server;
        // A client without HttpClient's diagnostics handler: the request starts its own trace. (Through the usual
        // client, the traceparent it sends is whatever this test process's listeners made of its own span — left
        // unsampled by an earlier test's instrumentation — and an unsampled caller's request is not sampled.)
        System.Diagnostics.Activity.Current = null;
        using var client = new HttpClient(factory.Server.CreateHandler()) { BaseAddress = factory.Server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ConsoleFactory.BootstrapKey);
        // Request spans are capped per second by the console's sampler, whose budget other consoles of this test
        // process may have spent in the same second: a few tries, a second apart, before judging.
        var tracer = factory.Services.GetRequiredService<TracerProvider>();
        List<ModelConsole.Core.Telemetry.Otlp.OtlpSpan> spans = [];
        for (var attempt = 0; attempt < 5 && !spans.Any(IsRequest); attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1.1));
            }

            System.Diagnostics.Activity.Current = null;
            (await client.GetAsync("/api/v1/families")).EnsureSuccessStatusCode();
            Assert.True(tracer.ForceFlush(10_000));
            spans = receiver.Traces.SelectMany(body => OtlpProtobuf.Read(body, 100_000).Spans).ToList();
        }

        static bool IsRequest(ModelConsole.Core.Telemetry.Otlp.OtlpSpan s) => s.Attributes.TryGetValue("http.route", out var route) && route.Text == "/api/v1/families/";
        Assert.True(spans.Any(IsRequest),
            string.Join("\n", spans.Select(s => s.Name + ": " + string.Join(", ", s.Attributes.Select(a => $"{a.Key}={a.Value.Text ?? a.Value.Integer.ToString(System.Globalization.CultureInfo.InvariantCulture)}")))));
        var request = spans.First(IsRequest);
        Assert.Equal("ModelConsole", request.ResourceAttributes["service.name"].Text);
        Assert.Equal(200, request.Attributes["http.response.status_code"].Integer);
    }

    [Theory]
    [InlineData("OpenTelemetry:Endpoint", "not a url")]
    [InlineData("OpenTelemetry:Endpoint", "ftp://collector")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]
    [InlineData("Metrics:Prometheus", "yes")]
    public void BadSettings_StopTheStart_NamingTheKey(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => ModelConsole.Web.Services.Observability.Read(configuration));

        Assert.StartsWith(key, error.Message, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyDictionary<string, PrometheusFamily>> ScrapeAsync(HttpClient client)
    {
        var answer = await client.GetAsync(ModelConsole.Web.Services.Observability.PrometheusPath);
        answer.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", answer.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await answer.Content.ReadAsStringAsync());
    }

    private static PrometheusFamily Family(IReadOnlyDictionary<string, PrometheusFamily> scrape, string prefix) =>
        scrape.Values.Single(f => f.Name == prefix || f.Name.StartsWith(prefix + "_", StringComparison.Ordinal));

    private static double Delta(IReadOnlyDictionary<string, PrometheusFamily> before, IReadOnlyDictionary<string, PrometheusFamily> after, string prefix, Func<IReadOnlyDictionary<string, string>, bool> labels)
    {
        static double Sum(IReadOnlyDictionary<string, PrometheusFamily> scrape, string prefix, Func<IReadOnlyDictionary<string, string>, bool> labels) =>
            scrape.Values.Where(f => f.Name == prefix || f.Name.StartsWith(prefix + "_", StringComparison.Ordinal))
                .SelectMany(f => f.Samples).Where(s => labels(s.Labels)).Sum(s => s.Value);
        return Sum(after, prefix, labels) - Sum(before, prefix, labels);
    }

    /// <summary>An OTLP/HTTP receiver on loopback that keeps every trace export's body.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app, string baseAddress)
        {
            _app = app;
            BaseAddress = baseAddress;
        }

        public string BaseAddress { get; }

        public ConcurrentQueue<byte[]> Traces { get; } = new();

        public static async Task<Receiver> StartAsync()
        {
            var port = ConsoleProcess.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app, $"http://127.0.0.1:{port}");
            app.MapPost("/v1/traces", async (HttpContext context) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                receiver.Traces.Enqueue(buffer.ToArray());
                return Results.Bytes([], "application/x-protobuf");
            });
            app.MapPost("/v1/metrics", () => Results.Bytes([], "application/x-protobuf"));
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
