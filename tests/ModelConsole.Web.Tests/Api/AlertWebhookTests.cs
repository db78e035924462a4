using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>The outgoing webhook against a local receiver on 127.0.0.1 that fails its first delivery.</summary>
public sealed class AlertWebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-secret-for-tests";

    private readonly ConcurrentQueue<(string Event, string Signature, string Timestamp, string TimedSignature, string Body, int Status)> _received = new();
    private WebApplication _receiver = null!;
    private TestDatabase _database = null!;
    private ConsoleFactory _console = null!;
    private int _requests;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            // The very first delivery fails: the sender must retry it.
            var status = Interlocked.Increment(ref _requests) == 1 ? 503 : 200;
            var headers = context.Request.Headers;
            _received.Enqueue((headers["X-ModelConsole-Event"].ToString(), headers["X-ModelConsole-Signature"].ToString(),
                headers["X-ModelConsole-Timestamp"].ToString(), headers["X-ModelConsole-Signature-256"].ToString(), body, status));
            return Results.StatusCode(status);
        });
        await _receiver.StartAsync();
        var url = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        _console = new ConsoleFactory(_database, new Dictionary<string, string?>
        {
            ["Alerts:WebhookUrl"] = url,
            ["Alerts:WebhookSecret"] = Secret,
            ["Alerts:WebhookFirstRetryMilliseconds"] = "50",
        });
        _ = _console.Server;
    }

    public async Task DisposeAsync()
    {
        await _console.DisposeAsync();
        await _database.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task RaisedAndResolvedAlerts_AreDelivered_Signed_AndRetried()
    {
        var client = _console.CreateKeyClient();
        var family = "wh-" + Guid.NewGuid().ToString("N")[..8];
        async Task Post(string url, object body) => Assert.True((await client.PostAsJsonAsync(url, body)).IsSuccessStatusCode, url);
        await Post("/api/v1/families", new { name = family });
        await Post("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } });
        await Post("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" });
        await Post($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await Post($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        await Post($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = 5, reason = "test", @override = true });
        object Call(string bundle, int i, bool ok) => new
        {
            requestId = $"{bundle}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-3), latencyMs = 300, inputTokens = 5, outputTokens = 5, costUsd = 0.001, success = ok,
        };
        await Post("/api/v1/telemetry", new { events = Enumerable.Range(0, 2_000).Select(i => Call(family + "-v1", i, i >= 20)).Concat(Enumerable.Range(0, 300).Select(i => Call(family + "-v2", i, i >= 120))) });

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !_received.Any(r => r.Event == "alertResolved" && r.Status == 200))
        {
            await Task.Delay(50);
        }

        var raised = _received.Where(r => r.Event == "alertRaised").ToList();
        Assert.True(raised.Count >= 2, $"{raised.Count} alertRaised deliveries"); // the failed first one and its retry
        Assert.Equal(503, raised[0].Status);
        Assert.Equal(raised[0].Body, raised[1].Body);
        Assert.Equal(raised[0].Signature, raised[1].Signature);
        Assert.Equal(200, raised[1].Status);
        var key = Encoding.UTF8.GetBytes(Secret);
        string Hmac(string text) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));
        foreach (var r in _received)
        {
            // The original signature over the body, kept for existing receivers.
            Assert.Equal(Hmac(r.Body), r.Signature);
            // The replay-proof one: Unix seconds of the attempt, and the signature over "<timestamp>.<body>".
            var sent = DateTimeOffset.FromUnixTimeSeconds(long.Parse(r.Timestamp, CultureInfo.InvariantCulture));
            Assert.InRange(sent, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
            Assert.Equal(Hmac(r.Timestamp + "." + r.Body), r.TimedSignature);
            Assert.NotEqual(r.Signature, r.TimedSignature);
        }

        var alert = JsonNode.Parse(raised[1].Body)!;
        Assert.Equal("alertRaised", (string?)alert["event"]);
        Assert.Equal(family + "-v2", (string?)alert["alert"]!["bundle"]);
        var resolved = JsonNode.Parse(_received.First(r => r.Event == "alertResolved" && r.Status == 200).Body)!;
        Assert.Equal("rolledBack", (string?)resolved["alert"]!["resolution"]);
    }
}
