using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ModelConsole.Client;

/// <summary>
/// A gateway's connection to the console: the routing table held in memory and resolved locally (the same assembly
/// the console resolves with, so the same answer), refreshed by the hub's <c>routingChanged</c> push and by ETag
/// polling; bundle contents cached by name; telemetry queued, batched and retried. Nothing on the request path waits
/// for the network: <see cref="Resolve"/> reads the last table and <see cref="Report"/> enqueues.
/// </summary>
public sealed partial class ModelConsoleClient : IAsyncDisposable
{
    private readonly ModelConsoleClientOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly TelemetrySender _telemetry;
    private readonly ClientMetrics _metrics;
    private readonly Dictionary<string, string> _defaults;
    private const int ResolveStripes = 16;
    private const int StripeWidth = 8; // 64 bytes apart: stripes never share a cache line
    private readonly long[] _resolveCounts = new long[ResolveStripes * StripeWidth];
    private readonly long _staleMs;
    private readonly Lock _contentLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Dictionary<string, BundleContent> _contents = new(StringComparer.Ordinal);
    private RoutingTable? _table;
    private long _confirmedAt;
    private string? _etag;
    private int _authProblemLogged;
    private HubConnection? _hub;
    private Task? _background;

    /// <summary>Creates the client; call <see cref="StartAsync"/> before the first request. Throws on invalid options.</summary>
    public ModelConsoleClient(ModelConsoleClientOptions options, ILogger<ModelConsoleClient>? logger = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var baseUrl = options.ConsoleUrl!.AbsoluteUri.EndsWith('/') ? options.ConsoleUrl : new Uri(options.ConsoleUrl.AbsoluteUri + "/");
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = baseUrl;
        _http.Timeout = options.RequestTimeout;
        _http.DefaultRequestHeaders.Add("X-Api-Key", options.ApiKey);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("ModelConsole.Client", typeof(ModelConsoleClient).Assembly.GetName().Version?.ToString(3) ?? "1.0.0"));
        _defaults = new Dictionary<string, string>(options.DefaultBundles, StringComparer.Ordinal);
        _staleMs = (long)options.StaleAfter.TotalMilliseconds;
        _telemetry = new TelemetrySender(_http, options, _logger, _stopping.Token);
        _metrics = new ClientMetrics(() => _telemetry.Queued, ResolveCount);
        _telemetry.Metrics = _metrics;
    }

    /// <summary>The table in use (null before the first load), its version and when the console last confirmed it.</summary>
    public RoutingTable? Table => Volatile.Read(ref _table);

    /// <summary>How long since the console last confirmed the table (by a load, a 304 or a push); null with no table.</summary>
    public TimeSpan? TableAge => Volatile.Read(ref _table) is null ? null : TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _confirmedAt));

    /// <summary>Resolves answered so far (the sum of the per-thread stripes; exact unless two threads share a stripe at the same instant).</summary>
    public long ResolveCount()
    {
        long total = 0;
        for (var i = 0; i < _resolveCounts.Length; i += StripeWidth)
        {
            total += Volatile.Read(ref _resolveCounts[i]);
        }

        return total;
    }

    /// <summary>Telemetry events waiting to be delivered (queued or in a batch not yet acknowledged).</summary>
    public long QueuedEvents => _telemetry.Queued;

    /// <summary>Telemetry events dropped because the queue was full.</summary>
    public long DroppedEvents => _telemetry.Dropped;

    /// <summary>Raised (on a background thread) after a new table is in place.</summary>
    public event Action<RoutingTable>? TableChanged;

    /// <summary>
    /// Loads the table (or, when the console cannot be reached, the last one saved in <see cref="ModelConsoleClientOptions.CacheFile"/>)
    /// and starts the push, the polling and the telemetry sender. Never throws for an unreachable console: resolves
    /// then answer the defaults until a table arrives.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_background is not null)
        {
            return;
        }

        if (!await TryRefreshAsync(cancellationToken))
        {
            LoadCacheFile();
        }

        _telemetry.Start();
        _background = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Which bundle serves <paramref name="subject"/> in <paramref name="family"/>: exactly the console's <c>route</c> answer
    /// for the table held. Never throws and never waits; allocates nothing.
    /// </summary>
    public Resolution Resolve(string family, string subject)
    {
        // Counted in per-thread stripes without a lock (the Counter<T> call alone cost ~10 ns here).
        _resolveCounts[(Environment.CurrentManagedThreadId & (ResolveStripes - 1)) * StripeWidth]++;
        var table = Volatile.Read(ref _table);
        if (table is null)
        {
            return Default(family, TimeSpan.Zero);
        }

        // Milliseconds since the console last confirmed the table: TickCount64 costs a few ns, the clock far more.
        var elapsed = Environment.TickCount64 - Volatile.Read(ref _confirmedAt);
        var stale = elapsed > _staleMs;
        var decision = table.Resolve(family, subject ?? string.Empty);
        if (decision.Outcome != RouteOutcome.Served)
        {
            return Default(family, stale ? TimeSpan.FromMilliseconds(elapsed) : TimeSpan.Zero);
        }

        var route = decision.Route!;
        ResolveReason reason;
        if (stale)
        {
            _metrics.StaleResolves.Add(1);
            reason = ResolveReason.Stale;
        }
        else
        {
            reason = route.IsSplit ? ResolveReason.Split : ResolveReason.Static;
        }

        return new Resolution(family, decision.Bundle, decision.Stage, reason, decision.MirrorTo,
            decision.ExperimentArm == '\0' ? null : route.Experiment!.Id, decision.ExperimentArm, route.RoutingVersion,
            stale ? TimeSpan.FromMilliseconds(elapsed) : TimeSpan.Zero);
    }

    private Resolution Default(string family, TimeSpan staleness)
    {
        _metrics.DefaultResolves.Add(1);
        return new Resolution(family, _defaults.GetValueOrDefault(family), Stage.Active, ResolveReason.Default, null, null, '\0', 0, staleness);
    }

    /// <summary>A bundle's model, prompt, config, failover chain and prices; fetched once per bundle (bundles are immutable).</summary>
    public async ValueTask<BundleContent?> GetContentAsync(string bundle, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _contents).TryGetValue(bundle, out var known))
        {
            return known;
        }

        using var response = await _http.GetAsync($"api/v1/bundles/{Uri.EscapeDataString(bundle)}/content", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAuthorizedAsync(response, cancellationToken);
        response.EnsureSuccessStatusCode();
        var content = await response.Content.ReadFromJsonAsync(ClientJson.Default.BundleContent, cancellationToken)
            ?? throw new InvalidDataException($"The console answered no content for '{bundle}'.");
        lock (_contentLock)
        {
            // Copy-on-write: readers never take the lock.
            var next = new Dictionary<string, BundleContent>(_contents, StringComparer.Ordinal) { [bundle] = content };
            Volatile.Write(ref _contents, next);
        }

        return content;
    }

    /// <summary>Queues one call's report; false (and counted) when the queue is full. Never blocks.</summary>
    public bool Report(TelemetryEvent telemetryEvent) => _telemetry.TryEnqueue(telemetryEvent);

    /// <summary>Sends what is queued now and waits until the console has acknowledged it (or the token fires).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _telemetry.FlushAsync(cancellationToken);

    /// <summary>
    /// A quality score or feedback known after the call (a judge, a user's thumbs), by the call's request id. True when
    /// the console took it (false for an unknown request or a second score for the same call).
    /// </summary>
    public async Task<bool> AnnotateAsync(string requestId, string bundle, double? qualityScore = null, string? feedback = null, CancellationToken cancellationToken = default)
    {
        var body = new AnnotationBatch([new Annotation(requestId, bundle, qualityScore, feedback)]);
        using var response = await _http.PostAsJsonAsync("api/v1/telemetry/annotations", body, ClientJson.Default.AnnotationBatch, cancellationToken);
        await EnsureAuthorizedAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            LogAnnotationRefused(_logger, (int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            return false;
        }

        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return answer.RootElement.GetProperty("accepted").GetInt32() == 1;
    }

    /// <summary>Reads the table now (by ETag); true when the console answered.</summary>
    public async Task<bool> TryRefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/routing-table");
            if (_etag is not null && Volatile.Read(ref _table) is not null)
            {
                request.Headers.TryAddWithoutValidation("If-None-Match", _etag);
            }

            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                Volatile.Write(ref _confirmedAt, Environment.TickCount64);
                return true;
            }

            await EnsureAuthorizedAsync(response, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                LogTableRefused(_logger, (int)response.StatusCode);
                return false;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var wire = JsonSerializer.Deserialize(bytes, ClientJson.Default.WireTable) ?? throw new InvalidDataException("The routing table was empty.");
            Install(ToTable(wire), Environment.TickCount64);
            _etag = response.Headers.ETag?.ToString();
            SaveCacheFile(bytes);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException or JsonException or UnauthorizedAccessException
                                   && !cancellationToken.IsCancellationRequested)
        {
            LogConsoleUnreachable(_logger, ex.Message);
            return false;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Puts a table in place as if the console had just sent it (benchmarks and conformance checks).</summary>
    internal void UseTable(RoutingTable table) => Install(table, Environment.TickCount64);

    private void Install(RoutingTable table, long confirmedAt)
    {
        Volatile.Write(ref _table, table);
        Volatile.Write(ref _confirmedAt, confirmedAt);
        TableChanged?.Invoke(table);
    }

    internal static RoutingTable ToTable(WireTable wire) =>
        new(wire.Version, wire.Families.Select(f => new FamilyRoute(
            f.Name,
            f.RoutingVersion,
            f.Active,
            [],
            f.Canary is null ? null : new CanaryRoute(f.Canary.Bundle, f.Canary.Percent),
            [],
            f.Shadow is null ? null : new ShadowRoute(f.Shadow.Bundle, f.Shadow.MirrorPercent),
            f.Experiment is null ? null : new ExperimentRoute(f.Experiment.Id, f.Experiment.ArmA ?? f.Active ?? string.Empty, f.Experiment.ArmB, f.Experiment.SplitBPercent))));

    private async Task RunAsync(CancellationToken stopping)
    {
        var hub = _options.UsePush ? ConnectHubAsync(stopping) : Task.CompletedTask;
        using var timer = new PeriodicTimer(_options.PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await TryRefreshAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await hub;
    }

    private async Task ConnectHubAsync(CancellationToken stopping)
    {
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_http.BaseAddress!, "hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(_options.ApiKey))
            .WithAutomaticReconnect(new ForeverRetry())
            .Build();
        _hub.On<RoutingChanged>("routingChanged", changed =>
        {
            if (Volatile.Read(ref _table)?.Version != changed.Version)
            {
                _ = TryRefreshAsync(stopping);
            }
        });
        _hub.Reconnected += _ => TryRefreshAsync(stopping);
        // After a reconnect gives up (it does not, with ForeverRetry) or a close, the loop below starts again.
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (_hub.State == HubConnectionState.Disconnected)
                {
                    await _hub.StartAsync(stopping);
                    await TryRefreshAsync(stopping);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogHubUnavailable(_logger, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task EnsureAuthorizedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden && Interlocked.Exchange(ref _authProblemLogged, 1) == 0)
        {
            // Logged once: a wrong key would otherwise fill the log at the poll rate.
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            LogAuthProblem(_logger, (int)response.StatusCode, detail);
        }
    }

    private void SaveCacheFile(byte[] table)
    {
        if (_options.CacheFile is not { } path || string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        try
        {
            var temp = path + ".tmp";
            File.WriteAllBytes(temp, table);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCacheFileProblem(_logger, path, ex.Message);
        }
    }

    private void LoadCacheFile()
    {
        var path = _options.CacheFile;
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            return;
        }

        try
        {
            var wire = JsonSerializer.Deserialize(File.ReadAllBytes(path), ClientJson.Default.WireTable);
            if (wire is null)
            {
                return;
            }

            // Confirmed when the file was written: answers are STALE once that is older than StaleAfter.
            var age = DateTime.UtcNow - File.GetLastWriteTimeUtc(path);
            var confirmedAt = Environment.TickCount64 - (long)Math.Max(0, age.TotalMilliseconds);
            Install(ToTable(wire), confirmedAt);
            LogLoadedCacheFile(_logger, path, wire.Version);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            LogCacheFileProblem(_logger, path, ex.Message);
        }
    }

    /// <summary>Stops the push and the polling, then delivers what is queued (for at most a few seconds).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_background is not null)
        {
            await _background;
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        await _telemetry.DisposeAsync();
        _http.Dispose();
        _metrics.Dispose();
        _stopping.Dispose();
        _refreshing.Dispose();
    }

    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, Math.Min(retryContext.PreviousRetryCount, 5))));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The console refused this client's key ({Status}): {Detail}. Resolves go on from the last table.")]
    private static partial void LogAuthProblem(ILogger logger, int status, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console could not be reached for the routing table: {Reason}. Resolves go on from the last table.")]
    private static partial void LogConsoleUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console answered {Status} for the routing table.")]
    private static partial void LogTableRefused(ILogger logger, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The hub is not reachable yet: {Reason}. Polling goes on.")]
    private static partial void LogHubUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The routing table cache file {Path} could not be used: {Reason}")]
    private static partial void LogCacheFileProblem(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Routing from the table saved in {Path} (version {Version}) until the console answers.")]
    private static partial void LogLoadedCacheFile(ILogger logger, string path, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console refused an annotation ({Status}): {Detail}")]
    private static partial void LogAnnotationRefused(ILogger logger, int status, string detail);
}
