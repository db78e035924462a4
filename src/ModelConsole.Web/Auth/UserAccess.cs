using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace ModelConsole.Web.Auth;

/// <summary>Whether a person may act now, and the name the ledger records when they may.</summary>
public sealed record Acting(string? Actor, string? Refusal)
{
    [MemberNotNullWhen(true, nameof(Actor))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool Allowed => Actor is not null;

    public static readonly Acting SessionEnded = new(null, "Your session has ended (your account was changed or disabled): sign in again.");
}

/// <summary>
/// The one place a page asks what its person may do. <see cref="IsAllowedAsync"/> is for showing or hiding a button;
/// <see cref="ActAsync"/> decides at the moment of acting, from the account as it is in the database now — a user
/// disabled or demoted a second ago is refused, whatever the page still shows — and ends the page's session when the
/// account is gone, so the page goes to sign-in at once instead of at the next minute's check.
/// </summary>
public sealed class UserAccess(AuthenticationStateProvider state, Sessions sessions)
{
    public async Task<ClaimsPrincipal> UserAsync() => (await state.GetAuthenticationStateAsync()).User;

    /// <summary>For display: whether the page's user (as the page last knew them) passes <paramref name="policy"/>.</summary>
    public async Task<bool> IsAllowedAsync(string policy) => (await UserAsync()).Allows(policy);

    /// <summary>Whether the person may do what <paramref name="policy"/> guards, checked now; the actor's name when so.</summary>
    public async Task<Acting> ActAsync(string policy)
    {
        var current = await sessions.CurrentAsync(await UserAsync(), CancellationToken.None);
        if (current?.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            (state as RevalidatingUserState)?.EndSession();
            return Acting.SessionEnded;
        }

        return current.Allows(policy) ? new Acting(name, null) : new Acting(null, Policies.Requirements[policy].Refusal());
    }
}
