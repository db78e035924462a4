using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace ModelConsole.Web.Auth;

/// <summary>
/// Re-checks an open page session's user every minute (<see cref="Sessions"/>): a disabled user, a changed role, a
/// reset password or an ended single sign-on session turns the page's user anonymous, and every page (all require a
/// signed-in user) sends it to sign-in — as the sign-in cookie's own check does for HTTP requests.
/// </summary>
public sealed class RevalidatingUserState(ILoggerFactory loggers, Sessions sessions)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        await sessions.CurrentAsync(authenticationState.User, cancellationToken) is not null;

    /// <summary>Ends the page's session now (an action found the account changed): the page goes to sign-in.</summary>
    public void EndSession() =>
        NotifyAuthenticationStateChanged(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
}
