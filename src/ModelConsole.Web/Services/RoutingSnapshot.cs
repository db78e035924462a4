using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// Holds the current routing table. One trigger rebuilds it, "routing version changed": called after every committed
/// transition and at start, and later by other nodes' notifications. Readers never wait: they read the last table.
/// </summary>
public sealed class RoutingSnapshot(PipelineStore store, LiveEvents live) : IDisposable
{
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private RoutingTable _table = RoutingTable.Empty;

    public RoutingTable Current => Volatile.Read(ref _table);

    /// <summary>Raised after a new table is in place.</summary>
    public event Action<RoutingTable>? Changed;

    public async Task RoutingVersionChangedAsync(CancellationToken cancellationToken)
    {
        RoutingTable table;
        RoutingTable previous;
        await _rebuild.WaitAsync(cancellationToken);
        try
        {
            // Rebuilds run one at a time and each reads the committed state, so the last one holds every change.
            var routes = await store.LoadRoutingAsync(cancellationToken);
            table = new RoutingTable(routes.Sum(r => r.RoutingVersion), routes);
            previous = Volatile.Read(ref _table);
            Volatile.Write(ref _table, table);
        }
        finally
        {
            _rebuild.Release();
        }

        Changed?.Invoke(table);
        if (!ReferenceEquals(previous, RoutingTable.Empty))
        {
            // Gateways hear which family moved (the first load at start is not a change).
            foreach (var route in table.Families.Values)
            {
                if (!previous.Families.TryGetValue(route.Family, out var before) || before.RoutingVersion != route.RoutingVersion)
                {
                    live.Publish(new RoutingChangedEvent(table.Version, route.Family, route.RoutingVersion));
                }
            }
        }
    }

    public void Dispose() => _rebuild.Dispose();
}
