namespace ModelConsole.Web.Services;

/// <summary>
/// At most a few folds over long spans (metrics over years, week-long comparisons, experiment results, a day of
/// reference values) run at once; the rest wait without holding a thread. SQLite's reads are synchronous under their
/// async face: eight of them at once used to hold eight thread-pool threads on two cores, and every endpoint — the
/// route lookup too — queued behind the pool's slow growth for seconds.
/// </summary>
public sealed class ExpensiveReads : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount / 2));

    /// <summary>Runs <paramref name="read"/> when a slot is free.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            // Off the caller's thread: the read blocks a pool thread of its own, never a request's continuation.
            return await Task.Run(read, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
