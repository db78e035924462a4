using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Web.Api;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Auth;

public static class AuthSetup
{
    public const string ConsoleScheme = "Console";
    public const string SsoScheme = "sso";
    public const string SsoCookieScheme = "sso-cookie";
    public const string ApiRateLimit = "api";
    public const string SignInRateLimit = "sign-in";

    // One partition object for every exempt caller, instead of a new one per request.
    private static readonly RateLimitPartition<string> Unlimited = RateLimitPartition.GetNoLimiter("unlimited");

    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        services.AddIdentityCore<ConsoleUser>(o =>
            {
                // Length over composition rules (NIST SP 800-63B).
                o.Password.RequiredLength = 12;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Lockout.AllowedForNewUsers = true;
                o.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyz0123456789-._@";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<ModelConsoleDbContext>()
            .AddSignInManager<ConsoleSignInManager>();

        var builder = services.AddAuthentication(o =>
        {
            o.DefaultScheme = ConsoleScheme;
            o.DefaultChallengeScheme = ConsoleScheme;
        });
        builder.AddPolicyScheme(ConsoleScheme, "Sign-in cookie or API key", o => o.ForwardDefaultSelector = SelectScheme);
        builder.AddIdentityCookies();
        builder.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        if (auth.OpenIdConnect.Authority is { } authority)
        {
            AddOpenIdConnect(builder, auth.OpenIdConnect, authority);
        }

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "mc-auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = "/sign-in";
            o.LogoutPath = "/account/sign-out";
            o.AccessDeniedPath = "/access-denied";
            o.ReturnUrlParameter = "returnUrl";
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = ctx => IsMachinePath(ctx.Request)
                ? ApiProblems.WriteAsync(ctx.HttpContext, StatusCodes.Status401Unauthorized, "Authentication required.", "Sign in, or send a valid X-Api-Key header.")
                : Redirect(ctx);
            o.Events.OnRedirectToAccessDenied = ctx => IsMachinePath(ctx.Request)
                ? ApiProblems.WriteAsync(ctx.HttpContext, StatusCodes.Status403Forbidden, "Forbidden.", "Your role does not allow this.")
                : Redirect(ctx);
        });
        // A disabled user's session ends at the next check of the security stamp.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddAuthorization(o => o.AddConsolePolicies());
        services.AddSingleton<IAuthorizationHandler, AccessRequirementHandler>();
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, RevalidatingUserState>();
        services.AddScoped<UserAccess>();
        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<KeyRateLimits>();
        services.AddSingleton<KeyUsageRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyUsageRecorder>());
        services.AddSingleton<IdentitySeeder>();
        services.AddSingleton<AdminService>();
        services.AddConsoleRateLimits();
        return services;
    }

    /// <summary>True for callers that want status codes, never redirects: the API and the hub.</summary>
    public static bool IsMachinePath(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/ofrep") || request.Path.StartsWithSegments("/hubs")
        || request.Path.StartsWithSegments("/openapi") || request.Path.StartsWithSegments("/v1");

    private static string SelectScheme(HttpContext context)
    {
        if (ApiKeyDefaults.PresentsKey(context.Request))
        {
            return ApiKeyDefaults.Scheme;
        }

        return context.Request.Cookies.ContainsKey("mc-sso") ? SsoCookieScheme : IdentityConstants.ApplicationScheme;
    }

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static void AddOpenIdConnect(AuthenticationBuilder builder, AuthOptions.OpenIdConnectOptions oidc, string authority)
    {
        // People signed in through the provider are not local accounts: their own cookie, their roles from the claim.
        builder.AddCookie(SsoCookieScheme, o =>
        {
            o.Cookie.Name = "mc-sso";
            o.LoginPath = "/sign-in";
            o.AccessDeniedPath = "/access-denied";
            o.ReturnUrlParameter = "returnUrl";
        });
        builder.AddOpenIdConnect(SsoScheme, "Single sign-on", o =>
        {
            o.Authority = authority;
            o.ClientId = oidc.ClientId;
            o.ClientSecret = oidc.ClientSecret;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.SignInScheme = SsoCookieScheme;
            o.MapInboundClaims = false;
            o.RequireHttpsMetadata = authority.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            o.TokenValidationParameters.NameClaimType = "preferred_username";
            o.TokenValidationParameters.RoleClaimType = string.IsNullOrWhiteSpace(oidc.RoleClaim) ? "roles" : oidc.RoleClaim;
            o.Scope.Add("profile");
        });
    }

    private static IServiceCollection AddConsoleRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!IsMachinePath(context.HttpContext.Request))
                {
                    // A person at the sign-in form: a page, not JSON.
                    context.HttpContext.Response.ContentType = "text/html; charset=utf-8";
                    await context.HttpContext.Response.WriteAsync(
                        $"<!DOCTYPE html><title>Too many attempts</title><p>Too many sign-in attempts from this address. Try again in {seconds} s.</p><p><a href=\"/sign-in\">Back to sign-in</a></p>",
                        cancellationToken);
                    return;
                }

                await ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests.", $"Try again in {seconds} s.");
            };
            o.AddPolicy(ApiRateLimit, context =>
            {
                var user = context.User;
                if (!user.IsApiKey() || user.HasClaim(ApiKeyDefaults.UnlimitedClaim, "true"))
                {
                    return Unlimited;
                }

                // One window per key, shared with the route fast path (KeyRateLimits).
                var limits = context.RequestServices.GetRequiredService<KeyRateLimits>();
                return RateLimitPartition.Get(user.Identity!.Name!, limits.Shared);
            });
            o.AddPolicy(SignInRateLimit, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.SignInPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
        });
}

/// <summary>Refuses disabled users at sign-in, whatever their password.</summary>
public sealed class ConsoleSignInManager(
    UserManager<ConsoleUser> users,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ConsoleUser> claimsFactory,
    IOptions<IdentityOptions> options,
    ILogger<SignInManager<ConsoleUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ConsoleUser> confirmation)
    : SignInManager<ConsoleUser>(users, contextAccessor, claimsFactory, options, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(ConsoleUser user) => !user.Disabled && await base.CanSignInAsync(user);
}

/// <summary>What the signed-in person may do, for pages to hide what they may not (the server refuses it anyway).</summary>
public sealed class UserAccess(AuthenticationStateProvider state, IAuthorizationService authorization)
{
    public async Task<ClaimsPrincipal> UserAsync() => (await state.GetAuthenticationStateAsync()).User;

    public async Task<bool> IsAllowedAsync(string policy) =>
        (await authorization.AuthorizeAsync(await UserAsync(), policy)).Succeeded;

    /// <summary>Who the ledger names: the signed-in user's name.</summary>
    public async Task<string> ActorAsync() => (await UserAsync()).Identity?.Name ?? "anonymous";
}
