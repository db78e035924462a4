using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ModelConsole.Client;

/// <summary>
/// An <see cref="IChatClient"/> middleware that serves every call through the family's bundle: it resolves the bundle
/// for the call's subject, applies the bundle's model, prompt (as the system message) and config, calls the client for
/// the bundle's provider, walks the bundle's failover chain when that provider fails, mirrors the call to the shadow
/// bundle when routed so (in the background, never delaying or failing the primary) and reports one telemetry event per
/// call. The response's <see cref="ChatResponse.AdditionalProperties"/> carry <c>modelconsole.requestId</c> and
/// <c>modelconsole.bundle</c>, so a score known later can be sent with <see cref="ModelConsoleClient.AnnotateAsync"/>.
/// </summary>
public sealed partial class ModelConsoleChatClient : DelegatingChatClient
{
    public const string RequestIdProperty = "modelconsole.requestId";
    public const string BundleProperty = "modelconsole.bundle";

    private readonly ModelConsoleClient _console;
    private readonly string _family;
    private readonly Func<IEnumerable<ChatMessage>, ChatOptions?, string> _subject;
    private readonly Func<string, string, IChatClient?> _providers;
    private readonly SemaphoreSlim _shadows;
    private readonly ILogger _logger;
    private int _shadowsInFlight;

    /// <param name="inner">The client for any provider <paramref name="providers"/> does not name.</param>
    /// <param name="console">The started console client.</param>
    /// <param name="family">The family this chat serves.</param>
    /// <param name="subject">The routing subject of a call (a session or user id); the same subject gets the same bundle.</param>
    /// <param name="providers">
    /// The client for a provider and model (a bundle's or a failover step's), or null for <paramref name="inner"/>. The model is
    /// also set as <see cref="ChatOptions.ModelId"/>; clients bound to one model (OpenAI's) need one client per model here.
    /// </param>
    /// <param name="maxConcurrentShadowCalls">Shadow calls in flight at once; beyond it a mirrored call is skipped.</param>
    /// <param name="logger">Where failovers and skipped shadows are said.</param>
    public ModelConsoleChatClient(IChatClient inner, ModelConsoleClient console, string family, Func<IEnumerable<ChatMessage>, ChatOptions?, string> subject,
        Func<string, string, IChatClient?>? providers = null, int maxConcurrentShadowCalls = 4, ILogger? logger = null)
        : base(inner)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(subject);
        if (string.IsNullOrEmpty(family) || !ModelConsoleClientOptions.IsName(family))
        {
            throw new ArgumentException($"'{family}' is not a family name (lower-case letters, digits and '-', starting with a letter, 2-64 characters).", nameof(family));
        }

        _console = console;
        _family = family;
        _subject = subject;
        _providers = providers ?? ((_, _) => null);
        _shadows = new SemaphoreSlim(Math.Max(0, maxConcurrentShadowCalls));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Shadow calls started and not yet finished (for tests and dashboards).</summary>
    public int ShadowCallsInFlight => Volatile.Read(ref _shadowsInFlight);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var subject = _subject(list, options);
        var resolution = _console.Resolve(_family, subject);
        if (resolution.Bundle is null)
        {
            throw new InvalidOperationException($"ModelConsole knows no bundle for the family '{_family}' yet and no default is configured (ModelConsole:DefaultBundles).");
        }

        var content = await _console.GetContentAsync(resolution.Bundle, cancellationToken)
            ?? throw new InvalidOperationException($"The console has no bundle named '{resolution.Bundle}'.");
        var requestId = Guid.NewGuid().ToString("n");
        var response = await ServeAsync(content, list, options, subject, requestId, shadowOf: null, cancellationToken);
        if (resolution.MirrorTo is { } mirror)
        {
            Mirror(mirror, list, options, subject, requestId);
        }

        response.AdditionalProperties ??= [];
        response.AdditionalProperties[RequestIdProperty] = requestId;
        response.AdditionalProperties[BundleProperty] = content.Name;
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Streaming is served by the bundle's own provider (a failover mid-stream would repeat output); reported at the end.
        var list = messages as IList<ChatMessage> ?? messages.ToList();
        var subject = _subject(list, options);
        var resolution = _console.Resolve(_family, subject);
        var bundle = resolution.Bundle ?? throw new InvalidOperationException($"ModelConsole knows no bundle for the family '{_family}' yet and no default is configured.");
        var content = await _console.GetContentAsync(bundle, cancellationToken) ?? throw new InvalidOperationException($"The console has no bundle named '{bundle}'.");
        var requestId = Guid.NewGuid().ToString("n");
        var client = ClientFor(content.Provider, content.ModelId);
        var (callMessages, callOptions) = Apply(content, content.ModelId, list, options);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var updates = new List<ChatResponseUpdate>();
        var success = false;
        string? errorType = null;
        try
        {
            await foreach (var update in client.GetStreamingResponseAsync(callMessages, callOptions, cancellationToken))
            {
                updates.Add(update);
                yield return update;
            }

            success = true;
        }
        finally
        {
            if (!success)
            {
                errorType = "stream_error";
            }

            var response = updates.ToChatResponse();
            Report(content, content.Provider, content.ModelId, requestId, subject, null, started, clock.Elapsed, success ? response : null, errorType);
        }

        if (resolution.MirrorTo is { } mirror)
        {
            Mirror(mirror, list, options, subject, requestId);
        }
    }

    /// <summary>The bundle's provider, then each failover step in order; the call is reported once, with who served it.</summary>
    private async Task<ChatResponse> ServeAsync(BundleContent content, IList<ChatMessage> messages, ChatOptions? options, string subject, string requestId,
        string? shadowOf, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var steps = new List<FallbackTarget>(1 + content.Fallbacks.Count) { new(content.Provider, content.ModelId) };
        steps.AddRange(content.Fallbacks);
        Exception? last = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var (callMessages, callOptions) = Apply(content, step.ModelId, messages, options);
            try
            {
                var response = await ClientFor(step.Provider, step.ModelId).GetResponseAsync(callMessages, callOptions, cancellationToken);
                Report(content, step.Provider, step.ModelId, requestId, subject, shadowOf, started, clock.Elapsed, response, null);
                return response;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException)
            {
                last = ex;
                if (i + 1 < steps.Count)
                {
                    LogFailover(_logger, content.Name, step.Provider, step.ModelId, steps[i + 1].Provider, steps[i + 1].ModelId, ex.Message);
                }
            }
        }

        Report(content, steps[^1].Provider, steps[^1].ModelId, requestId, subject, shadowOf, started, clock.Elapsed, null, ErrorTypeOf(last!));
        throw last!;
    }

    private void Mirror(string bundle, IList<ChatMessage> messages, ChatOptions? options, string subject, string primaryRequestId)
    {
        if (!_shadows.Wait(0))
        {
            LogShadowSkipped(_logger, bundle);
            return;
        }

        Interlocked.Increment(ref _shadowsInFlight);
        _ = Task.Run(async () =>
        {
            try
            {
                var content = await _console.GetContentAsync(bundle);
                if (content is not null)
                {
                    await ServeAsync(content, messages, options, subject, Guid.NewGuid().ToString("n"), primaryRequestId, CancellationToken.None);
                }
            }
            catch (Exception ex)
            {
                // A shadow's failure is reported as its own event and never reaches the caller.
                LogShadowFailed(_logger, bundle, ex.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _shadowsInFlight);
                _shadows.Release();
            }
        });
    }

    private IChatClient ClientFor(string provider, string modelId) => _providers(provider, modelId) ?? InnerClient;

    /// <summary>The bundle's prompt as the system message (ahead of the caller's) and its config mapped onto the options.</summary>
    internal static (IList<ChatMessage> Messages, ChatOptions Options) Apply(BundleContent content, string modelId, IList<ChatMessage> messages, ChatOptions? options)
    {
        var applied = options?.Clone() ?? new ChatOptions();
        applied.ModelId = modelId;
        if (content.Config.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in content.Config.EnumerateObject())
            {
                ApplySetting(applied, property.Name, property.Value);
            }
        }

        IList<ChatMessage> callMessages = messages;
        if (!string.IsNullOrEmpty(content.Prompt))
        {
            callMessages = new List<ChatMessage>(messages.Count + 1) { new(ChatRole.System, content.Prompt) };
            ((List<ChatMessage>)callMessages).AddRange(messages);
        }

        return (callMessages, applied);
    }

    private static void ApplySetting(ChatOptions options, string name, JsonElement value)
    {
        var key = name.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();
        switch (key)
        {
            case "TEMPERATURE" when value.TryGetSingle(out var t):
                options.Temperature = t;
                return;
            case "MAXTOKENS" or "MAXOUTPUTTOKENS" or "MAXCOMPLETIONTOKENS" when value.TryGetInt32(out var m):
                options.MaxOutputTokens = m;
                return;
            case "TOPP" when value.TryGetSingle(out var p):
                options.TopP = p;
                return;
            case "TOPK" when value.TryGetInt32(out var k):
                options.TopK = k;
                return;
            case "FREQUENCYPENALTY" when value.TryGetSingle(out var f):
                options.FrequencyPenalty = f;
                return;
            case "PRESENCEPENALTY" when value.TryGetSingle(out var pp):
                options.PresencePenalty = pp;
                return;
            case "SEED" when value.TryGetInt64(out var s):
                options.Seed = s;
                return;
            case "STOP" or "STOPSEQUENCES" when value.ValueKind == JsonValueKind.Array:
                options.StopSequences = [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)];
                return;
            case "STOP" when value.ValueKind == JsonValueKind.String:
                options.StopSequences = [value.GetString()!];
                return;
        }

        // Anything else travels as it is, for providers that know it.
        options.AdditionalProperties ??= [];
        options.AdditionalProperties[name] = value.Clone();
    }

    private void Report(BundleContent content, string provider, string modelId, string requestId, string subject, string? shadowOf,
        DateTimeOffset started, TimeSpan latency, ChatResponse? response, string? errorType)
    {
        var usage = response?.Usage;
        var input = Math.Max(0, usage?.InputTokenCount ?? 0);
        var cached = usage?.CachedInputTokenCount is { } c ? Math.Clamp(c, 0, input) : (long?)null;
        _console.Report(new TelemetryEvent
        {
            RequestId = requestId,
            Bundle = content.Name,
            Timestamp = started,
            LatencyMs = latency.TotalMilliseconds,
            InputTokens = input,
            OutputTokens = Math.Max(0, usage?.OutputTokenCount ?? 0),
            CachedInputTokens = cached,
            Success = response is not null,
            ErrorType = errorType,
            Subject = subject.Length <= 256 ? subject : subject[..256],
            OutputHash = response is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(response.Text))),
            ShadowOf = shadowOf,
            Provider = provider,
            ServedModel = modelId,
        });
    }

    internal static string ErrorTypeOf(Exception ex)
    {
        var status = ex switch
        {
            HttpRequestException { StatusCode: { } code } => (int)code,
            _ when ex.GetType().GetProperty("Status")?.GetValue(ex) is int s => s,
            _ => 0,
        };
        return status switch
        {
            429 => "rate_limited",
            >= 500 => "provider_error",
            >= 400 => "bad_request",
            _ when ex is TimeoutException or TaskCanceledException => "timeout",
            _ => "provider_unreachable",
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _shadows.Dispose();
        }

        base.Dispose(disposing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bundle {Bundle}: {Provider}/{Model} failed ({Reason}); failing over to {NextProvider}/{NextModel}.")]
    private static partial void LogFailover(ILogger logger, string bundle, string provider, string model, string nextProvider, string nextModel, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Shadow call to {Bundle} skipped: enough shadow calls are in flight.")]
    private static partial void LogShadowSkipped(ILogger logger, string bundle);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shadow call to {Bundle} failed: {Reason}")]
    private static partial void LogShadowFailed(ILogger logger, string bundle, string reason);
}
