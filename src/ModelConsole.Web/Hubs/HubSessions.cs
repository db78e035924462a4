using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Hubs;

/// <summary>
/// The hub's open connections by who opened them, so that revoking a key or disabling (or changing) a user closes
/// their connections at once: a websocket, once open, is never asked for its cookie or key again. A single sign-on
/// user's connections close when their session's fixed time is up.
/// </summary>
public sealed class HubSessions(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> _byOwner = new(StringComparer.Ordinal);

    /// <summary>Who owns a connection: <c>key:&lt;name&gt;</c> for keys, <c>user:&lt;id&gt;</c> for local accounts, the name otherwise.</summary>
    public static string? OwnerOf(ClaimsPrincipal? user) => user switch
    {
        null => null,
        _ when user.IsApiKey() => user.Identity?.Name,
        _ when user.FindFirstValue(ClaimTypes.NameIdentifier) is { } id => "user:" + id,
        _ => user.Identity?.Name,
    };

    public static string OwnerOfKey(string keyName) => "key:" + keyName;

    public static string OwnerOfUser(string userId) => "user:" + userId;

    public void Add(HubCallerContext context)
    {
        if (OwnerOf(context.User) is not { } owner)
        {
            return;
        }

        _byOwner.GetOrAdd(owner, _ => new(StringComparer.Ordinal))[context.ConnectionId] = context;
        if (context.User?.Identity?.AuthenticationType == AuthSetup.SsoCookieScheme && SsoSession.EndsAt(context.User) is { } ends)
        {
            var left = ends - clock.GetUtcNow();
            var timer = clock.CreateTimer(_ => context.Abort(), null, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            context.ConnectionAborted.Register(() => timer.Dispose());
        }
    }

    public void Remove(HubCallerContext context)
    {
        if (OwnerOf(context.User) is { } owner && _byOwner.TryGetValue(owner, out var connections))
        {
            connections.TryRemove(context.ConnectionId, out _);
        }
    }

    /// <summary>Closes every connection <paramref name="owner"/> holds; the number closed.</summary>
    public int Close(string owner)
    {
        if (!_byOwner.TryRemove(owner, out var connections))
        {
            return 0;
        }

        foreach (var connection in connections.Values)
        {
            connection.Abort();
        }

        return connections.Count;
    }
}
