using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ModelConsole.Data.Entities;

namespace ModelConsole.Web.Auth;

/// <summary>
/// Whether a signed-in person's session still stands, and who they are now: for local accounts, the account as the
/// database holds it (gone, disabled, or a security stamp that moved on — a role change, a password reset or a
/// disable all move it — end the session); for single sign-on, the session's fixed end. Used by the open pages'
/// minute check (<see cref="RevalidatingUserState"/>) and at every action (<see cref="UserAccess"/>).
/// </summary>
public sealed class Sessions(IServiceScopeFactory scopes, IOptions<IdentityOptions> identity, TimeProvider clock)
{
    /// <summary>The person as they are now (their roles read again for local accounts), or null when their session has ended.</summary>
    public async Task<ClaimsPrincipal?> CurrentAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        if (user.Identity.AuthenticationType == AuthSetup.SsoCookieScheme)
        {
            return SsoSession.IsOpen(user, clock.GetUtcNow()) ? user : null;
        }

        if (user.Identity.AuthenticationType != IdentityConstants.ApplicationScheme)
        {
            return user; // API keys and test doubles: nothing stored to read again
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var stored = await users.GetUserAsync(user);
        cancellationToken.ThrowIfCancellationRequested();
        if (stored is null || stored.Disabled)
        {
            return null;
        }

        if (users.SupportsUserSecurityStamp
            && user.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType) != await users.GetSecurityStampAsync(stored))
        {
            return null;
        }

        return await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<ConsoleUser>>().CreateAsync(stored);
    }
}

/// <summary>
/// People signed in through the OpenID Connect provider: named <c>sso:&lt;preferred_username&gt;</c> — no local account
/// (whose names cannot hold ':'), API key (<c>key:</c>) or rule (<c>rule:</c>) can be named so — with the console's
/// roles from the configured claim, for a session of fixed length (never sliding) after which the provider is asked
/// again.
/// </summary>
public static class SsoSession
{
    public const string Prefix = "sso:";
    public const string EndsClaim = "mc-session-ends";

    /// <summary>The console's principal for a provider's validated identity, or null when it names nobody.</summary>
    public static ClaimsPrincipal? From(ClaimsPrincipal provider, string roleClaim, DateTimeOffset endsAt)
    {
        var name = provider.FindFirstValue("preferred_username") ?? provider.FindFirstValue("sub");
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
        {
            return null;
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, Prefix + name.Trim()),
            new(EndsClaim, endsAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        };
        claims.AddRange(provider.FindAll(roleClaim).Select(c => c.Value).Where(Roles.All.Contains).Distinct()
            .Select(r => new Claim(ClaimTypes.Role, r)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, AuthSetup.SsoCookieScheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>When the session ends, or null for a principal that is no single sign-on session.</summary>
    public static DateTimeOffset? EndsAt(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(EndsClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var ends)
            ? DateTimeOffset.FromUnixTimeSeconds(ends)
            : null;

    /// <summary>Whether the session's fixed end is still ahead.</summary>
    public static bool IsOpen(ClaimsPrincipal user, DateTimeOffset now) => EndsAt(user) is { } ends && now < ends;
}
