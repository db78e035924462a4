using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Api;

/// <summary>
/// The per-key request budget (<c>RateLimit:PerKeyPerSecond</c>), one fixed window per key, shared by the API's rate
/// limiter policy and the route fast path so a key has one budget whichever way its requests go.
/// </summary>
public sealed class KeyRateLimits(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<string, FixedWindowRateLimiter> _limiters = new(StringComparer.Ordinal);

    /// <summary>The window of the key whose principal is named <paramref name="keyName"/> (<c>key:&lt;name&gt;</c>).</summary>
    public RateLimiter For(string keyName) => _limiters.GetOrAdd(keyName, _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
    {
        PermitLimit = options.Value.PerKeyPerSecond,
        Window = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    }));

    /// <summary>A view of a key's window that the rate-limiting middleware may drop when idle without closing the window.</summary>
    public RateLimiter Shared(string keyName) => new SharedLimiter(For(keyName));

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }

    private sealed class SharedLimiter(RateLimiter inner) : RateLimiter
    {
        public override TimeSpan? IdleDuration => inner.IdleDuration;

        public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics();

        protected override RateLimitLease AttemptAcquireCore(int permitCount) => inner.AttemptAcquire(permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
            inner.AcquireAsync(permitCount, cancellationToken);

        // The window belongs to KeyRateLimits: disposing the view leaves it open.
        protected override void Dispose(bool disposing) => base.Dispose(disposing);
    }
}

/// <summary>
/// <c>GET /api/v1/families/{family}/route</c> for a key, answered ahead of the page pipeline (exception pages,
/// authentication schemes, authorization, endpoint routing): the same key ring, scope, rate-limit window, snapshot
/// and source-generated JSON as the endpoint, so the answer is the endpoint's. Anything but the plain success — no
/// key, a bad key or scope, a spent budget, a missing subject, an unknown family, no ACTIVE bundle — goes on to
/// the endpoint, which answers it with its problem details.
/// </summary>
public static class RouteFastPath
{
    private const string Prefix = "/api/v1/families/";
    private const string Suffix = "/route";

    public static IApplicationBuilder UseRouteFastPath(this IApplicationBuilder app)
    {
        var ring = app.ApplicationServices.GetRequiredService<ApiKeyRing>();
        var limits = app.ApplicationServices.GetRequiredService<KeyRateLimits>();
        var routing = app.ApplicationServices.GetRequiredService<RoutingSnapshot>();
        var usage = app.ApplicationServices.GetRequiredService<KeyUsageRecorder>();
        var clock = app.ApplicationServices.GetRequiredService<TimeProvider>();
        return app.Use((context, next) =>
            TryAnswer(context, ring, limits, routing, usage, clock) is { } answered ? answered : next(context));
    }

    private static Task? TryAnswer(HttpContext context, ApiKeyRing ring, KeyRateLimits limits, RoutingSnapshot routing, KeyUsageRecorder usage, TimeProvider clock)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) || request.Path.Value is not { } path
            || !path.StartsWith(Prefix, StringComparison.Ordinal) || !path.EndsWith(Suffix, StringComparison.Ordinal)
            || path.Length <= Prefix.Length + Suffix.Length)
        {
            return null;
        }

        var family = path.AsSpan(Prefix.Length, path.Length - Prefix.Length - Suffix.Length);
        if (family.Contains('/') || ApiKeyDefaults.ReadKey(request) is not { Length: > 0 } key
            || ring.Validate(key) is not { CanRoute: true } entry)
        {
            return null;
        }

        var subject = request.Query["subject"];
        if (subject.Count != 1 || subject[0] is not { Length: > 0 and <= RoutingApi.MaxSubjectLength } s)
        {
            return null;
        }

        var familyName = family.ToString();
        var decision = routing.Current.Resolve(familyName, s);
        if (decision.Outcome != RouteOutcome.Served)
        {
            return null;
        }

        ConsoleMetrics.Route(decision.Outcome);

        if (!entry.Unlimited)
        {
            using var lease = limits.For(entry.Principal.Identity!.Name!).AttemptAcquire();
            if (!lease.IsAcquired)
            {
                return null; // the endpoint's limiter (the same window) answers 429 with Retry-After
            }
        }

        usage.Touch(entry.Id, clock.GetUtcNow().UtcDateTime);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = SecurityHeaders.MachinePolicy;
        return JsonSerializer.SerializeAsync(response.Body, RouteAnswer.From(familyName, decision), ApiJsonContext.Default.RouteAnswer, context.RequestAborted);
    }
}
