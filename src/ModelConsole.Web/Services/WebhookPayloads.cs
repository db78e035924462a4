using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelConsole.Core.Metrics;
using ModelConsole.Data.Models;

namespace ModelConsole.Web.Services;

/// <summary>The payload formats the alert webhook can speak (<c>Alerts:WebhookFormat</c>).</summary>
public enum WebhookFormat
{
    /// <summary><c>{ "event": "alertRaised" | "alertResolved", "alert": { ... } }</c>, signed when a secret is set.</summary>
    ModelConsole,

    /// <summary>A Slack incoming webhook message: <c>{ text, blocks }</c>.</summary>
    Slack,

    /// <summary>A PagerDuty Events API v2 event: trigger on raise, resolve on resolution, one incident per alert (<c>dedup_key</c>).</summary>
    PagerDuty,
}

/// <summary>
/// Builds the body of one webhook delivery in the configured format. Slack's and PagerDuty's shapes follow their public
/// documentation: Slack incoming webhooks take a JSON message with a <c>text</c> (the notification and fallback) and
/// optional <c>blocks</c>; PagerDuty's Events API v2 takes <c>{ routing_key, event_action, dedup_key, payload: { summary,
/// source, severity, timestamp, component, group, class, custom_details }, links }</c>, where <c>payload</c> is needed
/// for a trigger only.
/// </summary>
public static class WebhookPayloads
{
    /// <summary>PagerDuty's longest summary.</summary>
    public const int PagerDutySummaryLimit = 1024;

    /// <summary>The body for <paramref name="event"/> (<c>alertRaised</c> or <c>alertResolved</c>) of <paramref name="alert"/>.</summary>
    public static byte[] Build(WebhookFormat format, string @event, AlertRecord alert, string? routingKey, string? consoleUrl)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return format switch
        {
            WebhookFormat.Slack => JsonSerializer.SerializeToUtf8Bytes(Slack(@event, alert, consoleUrl)),
            WebhookFormat.PagerDuty => JsonSerializer.SerializeToUtf8Bytes(PagerDuty(@event, alert, routingKey, consoleUrl)),
            _ => JsonSerializer.SerializeToUtf8Bytes(new { @event, alert }, JsonSerializerOptions.Web),
        };
    }

    /// <summary>One line a person reads: what happened to which bundle.</summary>
    public static string Summary(string @event, AlertRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var metric = MetricCatalog.LabelOf(alert.Metric);
        var figures = alert.Observed is { } observed && alert.Limit is { } limit
            ? string.Create(CultureInfo.InvariantCulture, $" (observed {observed:G4}, limit {limit:G4})")
            : "";
        return (@event, alert.Resolution) switch
        {
            ("alertResolved", "rolledBack") when alert.Action == "rollback" =>
                $"{alert.Bundle} was rolled back automatically: {metric} breached its rule{figures}",
            ("alertResolved", _) => $"Resolved ({alert.Resolution ?? "manual"}): {metric} on {alert.Bundle}",
            _ when alert.Action == "rollback" => $"{metric} breached on {alert.Bundle}, rolling back{figures}",
            _ => $"{metric} alert on {alert.Bundle} ({alert.Family}){figures}",
        };
    }

    private static JsonObject Slack(string @event, AlertRecord alert, string? consoleUrl)
    {
        var summary = Summary(@event, alert);
        var emoji = @event == "alertResolved" ? (alert.Resolution == "rolledBack" ? ":rewind:" : ":white_check_mark:") : alert.Action == "rollback" ? ":rotating_light:" : ":warning:";
        var link = AlertUrl(consoleUrl, alert);
        var details = $"*Family* {alert.Family} · *Bundle* `{alert.Bundle}` · *Rule* {alert.RuleId} ({alert.Action})\n{alert.Derivation}";
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = $"{emoji} *{Escape(summary)}*" } },
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Escape(details) } },
        };
        if (link is not null)
        {
            blocks.Add(new JsonObject
            {
                ["type"] = "context",
                ["elements"] = new JsonArray { new JsonObject { ["type"] = "mrkdwn", ["text"] = $"<{link}|Open in ModelConsole>" } },
            });
        }

        return new JsonObject { ["text"] = summary, ["blocks"] = blocks };
    }

    private static JsonObject PagerDuty(string @event, AlertRecord alert, string? routingKey, string? consoleUrl)
    {
        var body = new JsonObject
        {
            ["routing_key"] = routingKey ?? "",
            ["event_action"] = @event == "alertResolved" ? "resolve" : "trigger",
            // One incident per alert: its resolution resolves the same incident.
            ["dedup_key"] = $"modelconsole-alert-{alert.Id}",
        };
        if (@event != "alertResolved")
        {
            var summary = Summary(@event, alert);
            body["payload"] = new JsonObject
            {
                ["summary"] = summary.Length > PagerDutySummaryLimit ? summary[..PagerDutySummaryLimit] : summary,
                ["source"] = alert.Bundle,
                ["severity"] = alert.Action == "rollback" ? "critical" : "warning",
                ["timestamp"] = alert.RaisedAt.ToString("O", CultureInfo.InvariantCulture),
                ["component"] = alert.Bundle,
                ["group"] = alert.Family,
                ["class"] = alert.Metric,
                ["custom_details"] = new JsonObject
                {
                    ["alertId"] = alert.Id, ["rule"] = alert.RuleId, ["action"] = alert.Action, ["observed"] = alert.Observed,
                    ["limit"] = alert.Limit, ["reference"] = alert.Reference, ["derivation"] = alert.Derivation,
                },
            };
            if (AlertUrl(consoleUrl, alert) is { } link)
            {
                body["links"] = new JsonArray { new JsonObject { ["href"] = link, ["text"] = "Open in ModelConsole" } };
                body["client"] = "ModelConsole";
                body["client_url"] = link;
            }
        }

        return body;
    }

    private static string? AlertUrl(string? consoleUrl, AlertRecord alert) =>
        consoleUrl is { Length: > 0 } baseUrl ? $"{baseUrl.TrimEnd('/')}/alerts?family={Uri.EscapeDataString(alert.Family)}&id={alert.Id}" : null;

    // Slack's mrkdwn treats &, < and > as control characters.
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
