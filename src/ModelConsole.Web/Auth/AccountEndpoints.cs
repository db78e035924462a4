using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using ModelConsole.Data.Entities;

namespace ModelConsole.Web.Auth;

/// <summary>Sign-in and sign-out: form posts (with antiforgery) that set or clear the sign-in cookie.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/sign-in", SignInAsync).AllowAnonymous().RequireRateLimiting(AuthSetup.SignInRateLimit);
        account.MapPost("/sign-out", (Delegate)SignOutAsync).RequireAuthorization(Policies.SignedIn);
        account.MapGet("/sign-in-sso", (string? returnUrl) => TypedResults.Challenge(
                new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [AuthSetup.SsoScheme]))
            .AllowAnonymous();
    }

    public sealed record SignInForm(string? UserName, string? Password, string? ReturnUrl);

    private static async Task<IResult> SignInAsync([FromForm] SignInForm form, SignInManager<ConsoleUser> signIn)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        if (string.IsNullOrWhiteSpace(form.UserName) || string.IsNullOrEmpty(form.Password))
        {
            return Back("missing", returnUrl, form.UserName);
        }

        var userName = form.UserName.Trim().ToLowerInvariant();
        var result = await signIn.PasswordSignInAsync(userName, form.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return TypedResults.LocalRedirect(returnUrl);
        }

        return Back(result.IsLockedOut ? "locked" : result.IsNotAllowed ? "disabled" : "invalid", returnUrl, userName);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context)
    {
        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        if (context.Request.Cookies.ContainsKey("mc-sso"))
        {
            await context.SignOutAsync(AuthSetup.SsoCookieScheme);
        }

        return TypedResults.LocalRedirect("/sign-in");
    }

    private static RedirectHttpResult Back(string error, string returnUrl, string? userName) =>
        TypedResults.LocalRedirect($"/sign-in?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}&userName={Uri.EscapeDataString(userName ?? "")}");

    /// <summary>
    /// Only a path on this site: never an open redirect. Browsers drop tabs and newlines and read '\' as '/', so
    /// "/\t/evil" would become "//evil": any control character or backslash is refused, not just a leading "//".
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 and <= 2048 } url && url[0] == '/' && !url.StartsWith("//", StringComparison.Ordinal)
            && !url.Any(c => char.IsControl(c) || c == '\\')
            ? url
            : "/";
}
