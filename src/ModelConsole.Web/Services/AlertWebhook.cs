using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace ModelConsole.Web.Services;

/// <summary>
/// The optional outgoing webhook (<c>Alerts:WebhookUrl</c>): every raised and resolved alert that no silence covers is
/// POSTed as JSON in the configured format (<see cref="WebhookPayloads"/>: by default
/// <c>{ "event": "alertRaised" | "alertResolved", "alert": { ... } }</c>; or a Slack message; or a PagerDuty event),
/// stamped with the sending time in <c>X-ModelConsole-Timestamp</c> (Unix seconds, fresh for each attempt), signed when a
/// secret is set with HMAC-SHA256 of the body in <c>X-ModelConsole-Signature: sha256=&lt;hex&gt;</c> and of
/// <c>&lt;timestamp&gt;.&lt;body&gt;</c> in <c>X-ModelConsole-Signature-256: sha256=&lt;hex&gt;</c> (so a receiver can refuse
/// replays: a signature it has seen, or a timestamp too old), and retried with doubling waits on a failure or a non-2xx answer. Deliveries queue off the evaluation path; a full queue
/// drops the oldest and says so.
/// </summary>
public sealed class AlertWebhook(LiveEvents live, IOptions<AlertsOptions> options, TimeProvider timeProvider, ILogger<AlertWebhook> logger) : BackgroundService
{
    public const string SignatureHeader = "X-ModelConsole-Signature";
    public const string EventHeader = "X-ModelConsole-Event";
    public const string TimestampHeader = "X-ModelConsole-Timestamp";
    public const string TimedSignatureHeader = "X-ModelConsole-Signature-256";

    private readonly Channel<(string Event, byte[] Body)> _queue = Channel.CreateBounded<(string, byte[])>(
        new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The signature over the timestamp, a dot and the body (the replay-proof one).</summary>
    public static string SignTimed(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed.AsSpan(timestamp.Length + 1));
        return Sign(secret, signed);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.WebhookUrl is not { } url)
        {
            return;
        }

        using var subscription = live.Subscribe(e =>
        {
            // A silenced alert is stored and listed but never sent (API.md "Rules and alerts").
            var (name, alert) = e switch
            {
                AlertRaisedEvent { Alert.SilenceId: null } raised => ("alertRaised", raised.Alert),
                AlertChangedEvent { Change: AlertChange.Resolved, Alert.SilenceId: null } resolved => ("alertResolved", resolved.Alert),
                _ => (null, null),
            };
            if (name is not null && !_queue.Writer.TryWrite((name, WebhookPayloads.Build(o.WebhookFormat, name, alert!, o.PagerDutyRoutingKey, o.ConsoleUrl))))
            {
                logger.LogWarning("The alert webhook queue is full; the oldest delivery was dropped");
            }
        });

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await foreach (var (name, body) in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            var wait = TimeSpan.FromMilliseconds(o.WebhookFirstRetryMilliseconds);
            for (var attempt = 1; ; attempt++)
            {
                string? failure;
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    request.Headers.Add(EventHeader, name);
                    var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    request.Headers.Add(TimestampHeader, timestamp);
                    if (o.WebhookSecret is { Length: > 0 } secret)
                    {
                        request.Headers.Add(SignatureHeader, Sign(secret, body));
                        request.Headers.Add(TimedSignatureHeader, SignTimed(secret, timestamp, body));
                    }

                    using var response = await http.SendAsync(request, stoppingToken);
                    failure = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
                {
                    failure = ex.Message;
                }

                if (failure is null)
                {
                    break;
                }

                if (attempt >= o.WebhookAttempts)
                {
                    logger.LogWarning("The alert webhook gave up on {Event} after {Attempts} attempts: {Failure}", name, attempt, failure);
                    break;
                }

                await Task.Delay(wait, stoppingToken);
                wait *= 2;
            }
        }
    }
}
