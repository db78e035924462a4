using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Data.Models;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// The webhook speaking Slack's incoming-webhook message and PagerDuty's Events API v2, against local receivers on
/// 127.0.0.1 that check what those services require (Slack: a <c>text</c>; PagerDuty: <c>routing_key</c>,
/// <c>event_action</c>, and for a trigger <c>payload.summary</c>, <c>source</c> and a known <c>severity</c>), and
/// answer as they do (Slack 200 "ok", PagerDuty 202). Silenced alerts are not sent; the rollback always is.
/// </summary>
public sealed class WebhookFormatTests : IAsyncLifetime
{
    private const string RoutingKey = "R0UTINGKEY0123456789ABCDEFGHIJKL";

    private readonly ConcurrentQueue<(string Path, JsonObject Body, int Status)> _received = new();
    private WebApplication _receiver = null!;
    private string _baseUrl = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/slack", async (HttpContext context) =>
        {
            var body = await ReadAsync(context);
            var ok = body?["text"] is JsonValue text && ((string?)text)?.Length > 0;
            _received.Enqueue(("/slack", body ?? [], ok ? 200 : 400));
            return ok ? Results.Text("ok") : Results.BadRequest("invalid_payload");
        });
        _receiver.MapPost("/v2/enqueue", async (HttpContext context) =>
        {
            var body = await ReadAsync(context);
            var ok = body is not null && (string?)body["routing_key"] == RoutingKey && (string?)body["event_action"] is "trigger" or "resolve" or "acknowledge"
                && ((string?)body["event_action"] != "trigger"
                    || (body["payload"] is JsonObject p && ((string?)p["summary"])?.Length is > 0 and <= 1024 && ((string?)p["source"])?.Length > 0
                        && (string?)p["severity"] is "critical" or "error" or "warning" or "info"));
            _received.Enqueue(("/v2/enqueue", body ?? [], ok ? 202 : 400));
            return ok
                ? Results.Json(new { status = "success", message = "Event processed", dedup_key = (string?)body!["dedup_key"] }, statusCode: 202)
                : Results.Json(new { status = "invalid event", message = "Event object is invalid" }, statusCode: 400);
        });
        await _receiver.StartAsync();
        _baseUrl = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static async Task<JsonObject?> ReadAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        try
        {
            return JsonNode.Parse(await reader.ReadToEndAsync()) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private async Task<(ConsoleFactory Console, TestDatabase Database)> ConsoleAsync(string format, string path)
    {
        var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var console = new ConsoleFactory(database, new Dictionary<string, string?>
        {
            ["Alerts:WebhookUrl"] = _baseUrl + path,
            ["Alerts:WebhookFormat"] = format,
            ["Alerts:PagerDutyRoutingKey"] = RoutingKey,
            ["Alerts:ConsoleUrl"] = "http://127.0.0.1:5080",
            ["Alerts:WebhookFirstRetryMilliseconds"] = "50",
        });
        _ = console.Server;
        return (console, database);
    }

    private static IEnumerable<object> Calls(string bundle, int count, double errorRate, string prefix) =>
        Enumerable.Range(0, count).Select(i => new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-3), latencyMs = 300, inputTokens = 5, outputTokens = 5,
            costUsd = 0.001, success = i >= count * errorRate,
        });

    private async Task WaitForAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !done())
        {
            await Task.Delay(50);
        }

        Assert.True(done(), $"{what}; received: {string.Join(" | ", _received.Select(r => r.Body.ToJsonString()))}");
    }

    [Fact]
    public async Task PagerDuty_TriggersAndResolvesOneIncidentPerAlert_AndASilenceKeepsAlertRulesQuiet_ButNotTheRollback()
    {
        var (console, database) = await ConsoleAsync("PagerDuty", "/v2/enqueue");
        await using (database)
        await using (console)
        {
            var client = console.CreateKeyClient();
            var family = await client.CanaryFamilyAsync("pd");
            await client.PostOkAsync($"/api/v1/families/{family}/silences", new { minutes = 60, reason = "noisy alert rules during the test" }, HttpStatusCode.Created);
            await client.PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.01, "a").Concat(Calls(family + "-v2", 300, 0.40, "c")) }, HttpStatusCode.Accepted);

            await WaitForAsync(() => _received.Any(r => (string?)r.Body["event_action"] == "resolve"), "a resolve event");
            await Task.Delay(500); // anything else that would be sent is sent by now
            Assert.All(_received, r => Assert.Equal(202, r.Status));
            var trigger = _received.Single(r => (string?)r.Body["event_action"] == "trigger").Body;
            var resolve = _received.Single(r => (string?)r.Body["event_action"] == "resolve").Body;
            Assert.Equal((string?)trigger["dedup_key"], (string?)resolve["dedup_key"]);
            var payload = trigger["payload"]!;
            Assert.Equal(("critical", family + "-v2", family, "errorRate"),
                ((string?)payload["severity"], (string?)payload["source"], (string?)payload["group"], (string?)payload["class"]));
            Assert.Equal("rollback", (string?)payload["custom_details"]!["action"]);
            Assert.Contains("Error rate breached", (string?)payload["summary"], StringComparison.Ordinal);
            Assert.StartsWith("http://127.0.0.1:5080/alerts?family=", (string?)trigger["links"]![0]!["href"], StringComparison.Ordinal);

            // The alert rules breached too (the errorRate alert rule, consecutive 2, may not have had its second look):
            // whatever they raised is stored and silenced, never sent.
            var alerts = (await client.GetFromJsonAsync<List<AlertRecord>>($"/api/v1/alerts?family={family}"))!;
            Assert.All(alerts.Where(a => a.Action == "alert"), a => Assert.NotNull(a.SilenceId));
            Assert.All(alerts.Where(a => a.Action == "rollback"), a => Assert.Null(a.SilenceId));
        }
    }

    [Fact]
    public async Task Slack_GetsAMessageWithTextAndBlocks_ForTheRaiseAndTheRollback()
    {
        var (console, database) = await ConsoleAsync("Slack", "/slack");
        await using (database)
        await using (console)
        {
            var client = console.CreateKeyClient();
            var family = await client.CanaryFamilyAsync("sl");
            await client.PostOkAsync("/api/v1/telemetry", new { events = Calls(family + "-v1", 2_000, 0.01, "a").Concat(Calls(family + "-v2", 300, 0.40, "c")) }, HttpStatusCode.Accepted);

            await WaitForAsync(() => _received.Any(r => ((string?)r.Body["text"])?.Contains("rolled back automatically", StringComparison.Ordinal) == true), "the rollback message");
            Assert.All(_received, r => Assert.Equal(200, r.Status));
            var rolled = _received.First(r => ((string?)r.Body["text"])!.Contains("rolled back automatically", StringComparison.Ordinal)).Body;
            Assert.Contains(family + "-v2", (string?)rolled["text"], StringComparison.Ordinal);
            var blocks = rolled["blocks"]!.AsArray();
            Assert.Equal("section", (string?)blocks[0]!["type"]);
            Assert.Equal("mrkdwn", (string?)blocks[0]!["text"]!["type"]);
            Assert.Contains("<http://127.0.0.1:5080/alerts?family=", (string?)blocks[^1]!["elements"]![0]!["text"], StringComparison.Ordinal);
            Assert.Contains(_received, r => ((string?)r.Body["text"])!.Contains("breached on " + family + "-v2, rolling back", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Payloads_EscapeSlackControlCharacters_AndCapPagerDutySummaries()
    {
        var alert = new AlertRecord(42, "f", "b<1>", 3, "errorRate", "alert", 0.5, 0.1, "active", "a & b < c", "firing", DateTime.UtcNow, null, null, null, null, null, null);
        var slack = JsonNode.Parse(WebhookPayloads.Build(WebhookFormat.Slack, "alertRaised", alert, null, null))!;
        Assert.DoesNotContain("<1>", (string?)slack["blocks"]![0]!["text"]!["text"], StringComparison.Ordinal);
        Assert.Contains("a &amp; b &lt; c", (string?)slack["blocks"]![1]!["text"]!["text"], StringComparison.Ordinal);
        Assert.Equal(2, slack["blocks"]!.AsArray().Count); // no console URL, no link block

        var longOne = alert with { Bundle = new string('x', 2_000) };
        var pd = JsonNode.Parse(WebhookPayloads.Build(WebhookFormat.PagerDuty, "alertRaised", longOne, RoutingKey, null))!;
        Assert.Equal(WebhookPayloads.PagerDutySummaryLimit, ((string?)pd["payload"]!["summary"])!.Length);
        Assert.Equal(("trigger", "warning", "modelconsole-alert-42"), ((string?)pd["event_action"], (string?)pd["payload"]!["severity"], (string?)pd["dedup_key"]));
        var resolve = JsonNode.Parse(WebhookPayloads.Build(WebhookFormat.PagerDuty, "alertResolved", alert with { Resolution = "healthy" }, RoutingKey, null))!;
        Assert.Null(resolve["payload"]);

        var own = JsonNode.Parse(WebhookPayloads.Build(WebhookFormat.ModelConsole, "alertRaised", alert, null, null))!;
        Assert.Equal(("alertRaised", 42L), ((string?)own["event"], (long)own["alert"]!["id"]!));
    }
}
