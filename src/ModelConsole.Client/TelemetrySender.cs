using System.Net;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ModelConsole.Client;

/// <summary>
/// Telemetry off the request path: a bounded queue (a full queue drops and counts, never blocks), batches by size or
/// time, retries with exponential backoff and jitter on 429, 5xx and unreachable consoles (honouring
/// <c>Retry-After</c>). Re-sending a batch is safe: the console counts each (request id, bundle) once.
/// </summary>
internal sealed partial class TelemetrySender(HttpClient http, ModelConsoleClientOptions options, ILogger logger, CancellationToken stopping) : IAsyncDisposable
{
    private static readonly TimeSpan DisposeDeadline = TimeSpan.FromSeconds(5);

    private readonly Channel<TelemetryEvent> _queue = Channel.CreateBounded<TelemetryEvent>(new BoundedChannelOptions(options.TelemetryQueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    private readonly CancellationTokenSource _abandon = new();
    private long _pending;
    private long _dropped;
    private volatile TaskCompletionSource _flushRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public ClientMetrics? Metrics { get; set; }

    public long Queued => Interlocked.Read(ref _pending);

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Start() => _loop ??= Task.Run(() => RunAsync(_abandon.Token), CancellationToken.None);

    public bool TryEnqueue(TelemetryEvent telemetryEvent)
    {
        Interlocked.Increment(ref _pending);
        if (_queue.Writer.TryWrite(telemetryEvent))
        {
            return true;
        }

        Interlocked.Decrement(ref _pending);
        Interlocked.Increment(ref _dropped);
        Metrics?.Dropped.Add(1);
        return false;
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _pending) > 0)
        {
            _flushRequested.TrySetResult();
            await Task.Delay(20, cancellationToken);
        }
    }

    private async Task RunAsync(CancellationToken abandon)
    {
        var reader = _queue.Reader;
        var batch = new List<TelemetryEvent>(options.TelemetryBatchSize);
        try
        {
            while (await reader.WaitToReadAsync(abandon))
            {
                // Wait for a full batch or the flush interval, whichever comes first (a flush or a stop cuts the wait).
                if (reader.Count < options.TelemetryBatchSize && !stopping.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(abandon, stopping);
                    var flush = _flushRequested;
                    await Task.WhenAny(Task.Delay(options.TelemetryFlushInterval, wait.Token), flush.Task).ConfigureAwait(false);
                    if (flush.Task.IsCompleted)
                    {
                        _flushRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                while (batch.Count < options.TelemetryBatchSize && reader.TryRead(out var e))
                {
                    batch.Add(e);
                }

                await SendAsync(batch, abandon);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            // Given up at dispose: what is left is lost, and said so.
            if (Interlocked.Read(ref _pending) > 0)
            {
                LogAbandoned(logger, Interlocked.Read(ref _pending));
            }
        }
    }

    private async Task SendAsync(List<TelemetryEvent> events, CancellationToken abandon)
    {
        var body = new TelemetryBatch(Guid.NewGuid().ToString("n"), events.ToArray());
        for (var attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await http.PostAsJsonAsync("api/v1/telemetry", body, ClientJson.Default.TelemetryBatch, abandon);
                if (response.IsSuccessStatusCode)
                {
                    Metrics?.BatchesSent.Add(1);
                    return;
                }

                if (response.StatusCode != HttpStatusCode.TooManyRequests && (int)response.StatusCode < 500)
                {
                    // 400, 401, 403, 413: sending it again cannot help.
                    LogBatchRefused(logger, events.Count, (int)response.StatusCode, await response.Content.ReadAsStringAsync(abandon));
                    return;
                }

                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !abandon.IsCancellationRequested)
            {
                if (attempt == 0)
                {
                    LogRetrying(logger, events.Count, ex.Message);
                }
            }

            await Task.Delay(RetryDelay(attempt, retryAfter), abandon);
        }
    }

    /// <summary>Exponential from 200 ms, capped, with full jitter; never shorter than the console's <c>Retry-After</c>.</summary>
    internal TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var cap = Math.Min(options.MaxRetryDelay.TotalMilliseconds, 200 * Math.Pow(2, Math.Min(attempt, 16)));
        var jittered = TimeSpan.FromMilliseconds(cap / 2 + Random.Shared.NextDouble() * cap / 2);
        return retryAfter is { } wait && wait > jittered ? wait : jittered;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            _flushRequested.TrySetResult();
            if (await Task.WhenAny(_loop, Task.Delay(DisposeDeadline)) != _loop)
            {
                await _abandon.CancelAsync();
                await _loop;
            }
        }

        _abandon.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The console refused a telemetry batch of {Count} events ({Status}): {Detail}")]
    private static partial void LogBatchRefused(ILogger logger, int count, int status, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry batch of {Count} events not delivered ({Reason}); retrying with backoff.")]
    private static partial void LogRetrying(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} telemetry events were not delivered before the client stopped.")]
    private static partial void LogAbandoned(ILogger logger, long count);
}
