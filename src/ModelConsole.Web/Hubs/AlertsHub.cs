using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Hubs;

/// <summary>
/// Live events for clients outside the console: signed-in users and keys with console:read hear everything; keys with
/// only routing:read (gateways) hear <c>routingChanged</c> alone.
/// </summary>
[Authorize(Policy = Policies.LiveEvents)]
public sealed class AlertsHub(HubSessions sessions) : Hub
{
    public const string Path = "/hubs/alerts";

    /// <summary>The connections that may hear alerts and transitions, not only routing.</summary>
    public const string ConsoleGroup = "console";

    public override async Task OnConnectedAsync()
    {
        var user = Context.User;
        if (user is not null && (!user.IsApiKey() || user.HasClaim(Scopes.ClaimType, Scopes.ConsoleRead)))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, ConsoleGroup);
        }

        sessions.Add(Context);
        ConsoleMetrics.HubConnections.Add(1);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        sessions.Remove(Context);
        ConsoleMetrics.HubConnections.Add(-1);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Relays the in-process bus to hub clients with API.md's method names.</summary>
public sealed class HubRelay(LiveEvents events, IHubContext<AlertsHub> hub, ILogger<HubRelay> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = events.Subscribe(e => _ = RelayAsync(e));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task RelayAsync(object @event)
    {
        var (method, payload) = @event switch
        {
            StageChangedEvent => ("stageChanged", @event),
            RollbackCompletedEvent => ("rollbackCompleted", @event),
            AlertRaisedEvent raised => ("alertRaised", (object)raised.Alert),
            AlertChangedEvent { Change: AlertChange.Resolved } resolved => ("alertResolved", resolved.Alert),
            RoutingChangedEvent => ("routingChanged", @event),
            _ => (null, null),
        };
        if (method is null)
        {
            return;
        }

        try
        {
            var clients = @event is RoutingChangedEvent ? hub.Clients.All : hub.Clients.Group(AlertsHub.ConsoleGroup);
            await clients.SendAsync(method, payload);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not relay {Method} to hub clients", method);
        }
    }
}
