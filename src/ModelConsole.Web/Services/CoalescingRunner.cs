using System.Collections.Concurrent;

namespace ModelConsole.Web.Services;

/// <summary>
/// One run per key at a time: a trigger that arrives while a key's run is going is coalesced into one rerun right
/// after it (however many arrive), never dropped. Each trigger's task completes when a run that started after it has
/// finished. Knows nothing of what it runs.
/// </summary>
public sealed class CoalescingRunner<TKey, TInput>(Func<TKey, TInput?, Task> run)
    where TKey : notnull
    where TInput : class
{
    private readonly ConcurrentDictionary<TKey, KeyRun> _runs = new();

    /// <summary>
    /// Runs <paramref name="key"/> now with <paramref name="input"/>, or, when a run of it is going, once more right
    /// after it (a rerun gets no input: it reads fresh).
    /// </summary>
    public Task TriggerAsync(TKey key, TInput? input = null)
    {
        var keyRun = _runs.GetOrAdd(key, _ => new KeyRun());
        lock (keyRun)
        {
            if (keyRun.Current is not null)
            {
                keyRun.Rerun ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return keyRun.Rerun.Task;
            }

            keyRun.Current = RunAsync(key, keyRun, input);
            return keyRun.Current;
        }
    }

    private async Task RunAsync(TKey key, KeyRun keyRun, TInput? input)
    {
        // Always leave the caller first: the caller goes on at once, and the task is stored as the key's current run
        // (under the lock) before this run can finish and clear it.
        await Task.Yield();

        Exception? first = null;
        TaskCompletionSource? waiters = null;
        while (true)
        {
            try
            {
                await run(key, input);
                waiters?.TrySetResult();
            }
            catch (Exception ex)
            {
                // A failed run still hands over to the rerun: the key is never left blocked.
                if (waiters is null)
                {
                    first = ex;
                }
                else
                {
                    waiters.TrySetException(ex);
                }
            }

            lock (keyRun)
            {
                waiters = keyRun.Rerun;
                keyRun.Rerun = null;
                if (waiters is null)
                {
                    keyRun.Current = null;
                    break;
                }
            }

            input = null; // a rerun reads fresh
        }

        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private sealed class KeyRun
    {
        public Task? Current { get; set; }

        public TaskCompletionSource? Rerun { get; set; }
    }
}
