using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
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

    // One partition object for every exempt caller, instead of a new one per request.
    private static readonly RateLimitPartition<string> Unlimited = RateLimitPartition.GetNoLimiter("unlimited");

    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        // Over plain HTTP only in Development; behind a TLS-terminating proxy the forwarded scheme makes requests HTTPS.
        var secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        var sso = auth.OpenIdConnect.Authority is not null;
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
        builder.AddPolicyScheme(ConsoleScheme, "Sign-in cookie or API key", o => o.ForwardDefaultSelector = context => SelectScheme(context, sso));
        builder.AddIdentityCookies();
        builder.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        if (auth.OpenIdConnect.Authority is { } authority)
        {
            AddOpenIdConnect(builder, auth.OpenIdConnect, authority, secure);
        }

        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "mc-auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = secure;
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
        // The keys live in the database (not one machine's folder): a restart or another node reads the same ones.
        services.AddDataProtection().SetApplicationName("ModelConsole").PersistKeysToDbContext<ModelConsoleDbContext>();
        // Antiforgery's cookie is Secure on HTTPS requests (as a known proxy reports them): it is no credential, and
        // "always" would refuse to render the sign-in form over plain HTTP instead of merely marking a cookie.
        services.Configure<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddSingleton<IAuthorizationHandler, AccessRequirementHandler>();
        services.AddSingleton<Sessions>();
        services.AddSingleton<SignInLimiter>();
        services.AddSingleton<Hubs.HubSessions>();
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

    // A stray single sign-on cookie while single sign-on is not configured is ignored: there is no scheme to read it.
    private static string SelectScheme(HttpContext context, bool sso)
    {
        if (ApiKeyDefaults.PresentsKey(context.Request))
        {
            return ApiKeyDefaults.Scheme;
        }

        return sso && context.Request.Cookies.ContainsKey(SsoCookieName) ? SsoCookieScheme : IdentityConstants.ApplicationScheme;
    }

    public const string SsoCookieName = "mc-sso";

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static void AddOpenIdConnect(AuthenticationBuilder builder, AuthOptions.OpenIdConnectOptions oidc, string authority, CookieSecurePolicy secure)
    {
        // People signed in through the provider are not local accounts: their own cookie, their roles from the claim,
        // a session of fixed length (SsoSession).
        var sessionLength = TimeSpan.FromHours(oidc.SessionHours);
        var roleClaim = string.IsNullOrWhiteSpace(oidc.RoleClaim) ? "roles" : oidc.RoleClaim;
        builder.AddCookie(SsoCookieScheme, o =>
        {
            o.Cookie.Name = SsoCookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = secure;
            o.ExpireTimeSpan = sessionLength;
            o.SlidingExpiration = false;
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
            o.TokenValidationParameters.RoleClaimType = roleClaim;
            o.Scope.Add("profile");
            o.Events.OnTokenValidated = context =>
            {
                var clock = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
                if (SsoSession.From(context.Principal!, roleClaim, clock.GetUtcNow() + sessionLength) is { } principal)
                {
                    context.Principal = principal;
                }
                else
                {
                    context.Fail("The provider's token names no user (preferred_username or sub).");
                }

                return Task.CompletedTask;
            };
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
                await ApiProblems.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests.", $"Try again in {seconds} s.");
            };
            o.AddPolicy(ApiRateLimit, context =>
            {
                var user = context.User;
                if (user.Identity is not { IsAuthenticated: true, Name: { } name } || user.HasClaim(ApiKeyDefaults.UnlimitedClaim, "true"))
                {
                    return Unlimited; // anonymous callers are refused before they cost anything
                }

                var limits = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                if (context.GetEndpoint()?.Metadata.GetMetadata<ExpensiveReadMetadata>() is not null)
                {
                    // Folds over long spans: a budget of their own per caller, much smaller than the calls' budget.
                    return RateLimitPartition.GetFixedWindowLimiter("expensive " + name, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.ExpensivePerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
                }

                if (!user.IsApiKey())
                {
                    return RateLimitPartition.GetFixedWindowLimiter("person " + name, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.PerUserPerSecond,
                        Window = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    });
                }

                // One window per key, shared with the route fast path (KeyRateLimits).
                return RateLimitPartition.Get(name, context.RequestServices.GetRequiredService<KeyRateLimits>().Shared);
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

/// <summary>Marks an endpoint whose answer folds a long span: its calls count against the caller's smaller expensive-read budget.</summary>
public sealed class ExpensiveReadMetadata
{
    public static readonly ExpensiveReadMetadata Instance = new();
}

public static class ExpensiveReadExtensions
{
    /// <summary>Counts this endpoint's calls in <c>RateLimit:ExpensivePerMinute</c> instead of the caller's per-second budget.</summary>
    public static TBuilder ExpensiveRead<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(ExpensiveReadMetadata.Instance);
}
