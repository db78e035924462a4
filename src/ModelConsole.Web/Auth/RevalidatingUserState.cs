using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ModelConsole.Data.Entities;

namespace ModelConsole.Web.Auth;

/// <summary>
/// Re-checks an open page session's user every minute: a disabled user, a changed role or a reset password (all bump
/// the security stamp) ends the session's rights, as the sign-in cookie's own check does for HTTP requests.
/// </summary>
public sealed class RevalidatingUserState(ILoggerFactory loggers, IServiceScopeFactory scopes, IOptions<IdentityOptions> identity)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillValidAsync(authenticationState.User);

    /// <summary>False once the user is gone, disabled, or their security stamp moved on (roles or password changed).</summary>
    public async Task<bool> IsStillValidAsync(ClaimsPrincipal user)
    {
        if (user.Identity?.AuthenticationType != IdentityConstants.ApplicationScheme)
        {
            return true; // single sign-on users are not local accounts: their provider's session rules apply
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var stored = await users.GetUserAsync(user);
        if (stored is null || stored.Disabled)
        {
            return false;
        }

        if (!users.SupportsUserSecurityStamp)
        {
            return true;
        }

        var stamp = user.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(stored);
    }
}
