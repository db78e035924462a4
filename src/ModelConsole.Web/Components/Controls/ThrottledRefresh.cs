namespace ModelConsole.Web.Components.Controls;

/// <summary>
/// A page's live refresh at most once per interval: events mark it stale (cheap, from any thread), and a timer
/// reloads only when something changed. A page that closes disposes it and the loop ends.
/// </summary>
public sealed class ThrottledRefresh(TimeSpan interval, TimeProvider clock) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _stale;

    public CancellationToken Stopping => _stop.Token;

    public void MarkStale() => _stale = true;

    /// <summary>
    /// Runs <paramref name="refresh"/> (the page's InvokeAsync of its load and render) on each tick after a change, or
    /// when <paramref name="due"/> says so; an exception goes to <paramref name="failed"/> (the page's
    /// DispatchExceptionAsync), except the circuit going away.
    /// </summary>
    public async Task RunAsync(Func<Task> refresh, Func<Exception, Task> failed, Func<bool>? due = null)
    {
        try
        {
            using var timer = new PeriodicTimer(interval, clock);
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var isDue = due?.Invoke() == true; // asked every tick, so it can track what it watches
                if (!_stale && !isDue)
                {
                    continue;
                }

                _stale = false;
                await refresh();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or Microsoft.JSInterop.JSDisconnectedException or ObjectDisposedException)
        {
            // The circuit or the page is going away.
        }
        catch (Exception ex)
        {
            await failed(ex);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
