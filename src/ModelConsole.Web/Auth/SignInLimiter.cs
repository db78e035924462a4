using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Auth;

/// <summary>
/// Sign-in attempts per client address (as a known proxy reports it, <c>ForwardedHeaders:*</c>), counted only for
/// posts that passed antiforgery — a tokenless flood cannot use up everyone's attempts — and the lockout of names
/// that are no account, so "locked" after five wrong tries says nothing about whether an account exists.
/// </summary>
public sealed class SignInLimiter : IDisposable
{
    private const int MaxTrackedNames = 10_000;
    private readonly PartitionedRateLimiter<string> _perClient;
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Since)> _unknownNames = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly int _maxFailures;
    private readonly TimeSpan _lockout;

    public SignInLimiter(IOptions<RateLimitOptions> limits, IOptions<Microsoft.AspNetCore.Identity.IdentityOptions> identity, TimeProvider clock)
    {
        var perMinute = limits.Value.SignInPerMinute;
        _perClient = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));
        _clock = clock;
        _maxFailures = identity.Value.Lockout.MaxFailedAccessAttempts;
        _lockout = identity.Value.Lockout.DefaultLockoutTimeSpan;
    }

    /// <summary>Takes one attempt of <paramref name="context"/>'s client; false when its minute is used up.</summary>
    public bool TryAttempt(HttpContext context)
    {
        using var lease = _perClient.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    /// <summary>A wrong attempt at a name that is no account: true when that name now "locks", as an account would.</summary>
    public bool FailUnknown(string userName)
    {
        if (_unknownNames.Count >= MaxTrackedNames)
        {
            _unknownNames.Clear(); // bounded: a flood of invented names forgets the oldest guesses, never grows
        }

        var now = _clock.GetUtcNow();
        var entry = _unknownNames.AddOrUpdate(userName, _ => (1, now),
            (_, e) => now - e.Since > _lockout ? (1, now) : (e.Failures + 1, e.Since));
        return entry.Failures >= _maxFailures;
    }

    public void Dispose() => _perClient.Dispose();
}
