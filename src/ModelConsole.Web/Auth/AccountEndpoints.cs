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
        // Counted inside the handler (SignInLimiter): form binding has refused a post without its antiforgery token by then.
        account.MapPost("/sign-in", SignInAsync).AllowAnonymous();
        account.MapPost("/sign-out", (Delegate)SignOutAsync).RequireAuthorization(Policies.SignedIn);
        account.MapGet("/sign-in-sso", (string? returnUrl) => TypedResults.Challenge(
                new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, [AuthSetup.SsoScheme]))
            .AllowAnonymous();
    }

    public sealed record SignInForm(string? UserName, string? Password, string? ReturnUrl);

    private static async Task<IResult> SignInAsync([FromForm] SignInForm form, SignInManager<ConsoleUser> signIn, SignInLimiter limiter, HttpContext context)
    {
        if (!limiter.TryAttempt(context))
        {
            context.Response.Headers.RetryAfter = "60";
            return TypedResults.Content(
                "<!DOCTYPE html><title>Too many attempts</title><p>Too many sign-in attempts from this address. Try again in a minute.</p><p><a href=\"/sign-in\">Back to sign-in</a></p>",
                "text/html; charset=utf-8", statusCode: StatusCodes.Status429TooManyRequests);
        }

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

        return Back(await FailureAsync(result, userName, form.Password, signIn.UserManager, limiter), returnUrl, userName);
    }

    /// <summary>
    /// What a failed attempt is told, without saying whether the account exists: a name that is no account locks
    /// after the same number of tries as one that is, and "disabled" is said only to the one who knows the password.
    /// </summary>
    private static async Task<string> FailureAsync(Microsoft.AspNetCore.Identity.SignInResult result, string userName, string password, UserManager<ConsoleUser> users, SignInLimiter limiter)
    {
        if (result.IsLockedOut)
        {
            return "locked";
        }

        if (await users.FindByNameAsync(userName) is not { } user)
        {
            return limiter.FailUnknown(userName) ? "locked" : "invalid";
        }

        if (!result.IsNotAllowed)
        {
            return "invalid";
        }

        // Not allowed (disabled) is decided before the password is checked: check it, and count a wrong one as any other.
        if (await users.CheckPasswordAsync(user, password))
        {
            return "disabled";
        }

        await users.AccessFailedAsync(user);
        return await users.IsLockedOutAsync(user) ? "locked" : "invalid";
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery, IAuthenticationSchemeProvider schemes)
    {
        // A cross-site post cannot sign someone out: the form carries the antiforgery token.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest();
        }

        await context.SignOutAsync(IdentityConstants.ApplicationScheme);
        if (context.Request.Cookies.ContainsKey(AuthSetup.SsoCookieName) && await schemes.GetSchemeAsync(AuthSetup.SsoCookieScheme) is not null)
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
