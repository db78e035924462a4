using System.Collections.Immutable;

namespace ModelConsole.Web.Services;

/// <summary>A stage change as pages and hub clients hear it (API.md "Live events": the transition's JSON).</summary>
public sealed record StageChangedEvent(string Bundle, string Family, string? From, string To, double? Percent, long RoutingVersion, DateTime At, string Actor);

/// <summary>A finished rollback, as <c>rollbackCompleted</c> carries it.</summary>
public sealed record RollbackCompletedEvent(string Family, string? RolledBack, string? Restored, long RoutingVersion, DateTime At, long ElapsedMs, string Actor);

/// <summary>A family's routing changed (API.md "Gateways": <c>routingChanged</c>); gateways refresh their table.</summary>
public sealed record RoutingChangedEvent(long Version, string Family, long RoutingVersion);

/// <summary>
/// The in-process live-event bus: pages subscribe here; the SignalR hub relays the same events to outside clients.
/// Handlers run on the publisher's thread and must not block (components hop onto their own dispatcher).
/// </summary>
public sealed class LiveEvents(ILogger<LiveEvents> logger)
{
    private ImmutableArray<Action<object>> _handlers = [];

    public IDisposable Subscribe(Action<object> handler)
    {
        ImmutableInterlocked.Update(ref _handlers, h => h.Add(handler));
        return new Subscription(() => ImmutableInterlocked.Update(ref _handlers, h => h.Remove(handler)));
    }

    public void Publish(object @event)
    {
        foreach (var handler in _handlers)
        {
            try
            {
                handler(@event);
            }
            catch (Exception ex)
            {
                // One broken subscriber must not keep the event from the others.
                logger.LogWarning(ex, "A live-event subscriber failed on {Event}", @event.GetType().Name);
            }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
