using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Auth;

public static class ApiKeyDefaults
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string UnlimitedClaim = "mc:unlimited";
    public const string BootstrapName = "bootstrap";

    /// <summary>
    /// The one place that reads a key from a request: <c>X-Api-Key</c>, else <c>Authorization: Bearer &lt;key&gt;</c>
    /// (what OFREP providers, OTLP exporters and SignalR clients send). Null when the request carries neither.
    /// </summary>
    public static string? ReadKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(Header, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]))
        {
            return values[0];
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count > 0 && authorization[0] is { } value
            && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.Length > 7)
        {
            return value[7..].Trim();
        }

        return null;
    }

    /// <summary>True when the request presents a key at all (valid or not), so the key scheme judges it.</summary>
    public static bool PresentsKey(HttpRequest request) =>
        request.Headers.ContainsKey(Header) || request.Headers.Authorization is { Count: > 0 } a && a[0] is { } v && v.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The shape of a key: <c>mc_&lt;prefix&gt;_&lt;secret&gt;</c>; only the SHA-256 of the whole key is stored.</summary>
public static class ApiKeyFormat
{
    public static (string Key, string Prefix, string Hash) Generate()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var key = $"mc_{prefix}_{secret}";
        return (key, prefix, Hash(key));
    }

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string? PrefixOf(string key)
    {
        if (!key.StartsWith("mc_", StringComparison.Ordinal))
        {
            return null;
        }

        var end = key.IndexOf('_', 3);
        return end > 3 ? key[3..end] : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Every valid key, held in memory as an immutable snapshot so authentication reads no database and takes no lock.
/// Rebuilt at start and after every create or revoke.
/// </summary>
public sealed class ApiKeyRing(ApiKeyStore store, IOptions<AuthOptions> auth) : IDisposable
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly byte[]? _bootstrapHash = auth.Value.BootstrapApiKey is { } k ? Convert.FromHexString(ApiKeyFormat.Hash(k)) : null;
    private FrozenDictionary<string, ApiKeyEntry> _byPrefix = FrozenDictionary<string, ApiKeyEntry>.Empty;

    public static readonly ApiKeyEntry Bootstrap = new(0, ApiKeyDefaults.BootstrapName, [], [.. Scopes.All], Unlimited: true);

    /// <summary>Longer than any key issued here or configured sensibly; a longer header is refused unhashed.</summary>
    public const int MaxKeyBytes = 512;

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        // One reload at a time, each reading after the change that triggered it: a revoked key never comes back.
        await _reload.WaitAsync(cancellationToken);
        try
        {
            var keys = await store.ListActiveAsync(cancellationToken);
            _byPrefix = keys.ToFrozenDictionary(
                k => k.Prefix,
                k => new ApiKeyEntry(k.Id, k.Name, Convert.FromHexString(k.SecretHash), k.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), k.Unlimited),
                StringComparer.Ordinal);
        }
        finally
        {
            _reload.Release();
        }
    }

    public void Dispose() => _reload.Dispose();

    /// <summary>The key's entry when it is valid; compared in fixed time.</summary>
    public ApiKeyEntry? Validate(string presented)
    {
        Span<byte> hash = stackalloc byte[32];
        var length = Encoding.UTF8.GetByteCount(presented);
        if (length > MaxKeyBytes)
        {
            return null; // no key of ours is that long; do not hash arbitrary input
        }

        Span<byte> utf8 = stackalloc byte[length];
        Encoding.UTF8.GetBytes(presented, utf8);
        SHA256.HashData(utf8, hash);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return Bootstrap;
        }

        return ApiKeyFormat.PrefixOf(presented) is { } prefix
            && _byPrefix.TryGetValue(prefix, out var entry)
            && CryptographicOperations.FixedTimeEquals(hash, entry.SecretHash)
            ? entry
            : null;
    }
}

public sealed record ApiKeyEntry(int Id, string Name, byte[] SecretHash, IReadOnlyList<string> Scopes, bool Unlimited)
{
    /// <summary>
    /// The key's principal, built once: authentication then allocates no claims per request. Nothing in the
    /// console mutates a principal (no claims transformation), so sharing it across requests is safe.
    /// </summary>
    public System.Security.Claims.ClaimsPrincipal Principal { get; } = BuildPrincipal(Name, Scopes, Unlimited);

    /// <summary>True when the key may ask <c>route</c> (scope routing:read), for the route fast path.</summary>
    public bool CanRoute { get; } = Scopes.Contains(Auth.Scopes.RoutingRead);

    private static System.Security.Claims.ClaimsPrincipal BuildPrincipal(string name, IReadOnlyList<string> scopes, bool unlimited)
    {
        var claims = new List<System.Security.Claims.Claim>(scopes.Count + 2) { new(System.Security.Claims.ClaimTypes.Name, "key:" + name) };
        claims.AddRange(scopes.Select(s => new System.Security.Claims.Claim(Auth.Scopes.ClaimType, s)));
        if (unlimited)
        {
            claims.Add(new System.Security.Claims.Claim(ApiKeyDefaults.UnlimitedClaim, "true"));
        }

        return new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(claims, ApiKeyDefaults.Scheme));
    }
}

/// <summary>Turns a valid <c>X-Api-Key</c> (or bearer key) into a principal named <c>key:&lt;name&gt;</c> with its scopes.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing ring,
    KeyUsageRecorder usage,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ApiKeyDefaults.ReadKey(Request) is not { Length: > 0 } presented)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // The key itself is never logged: only whether it matched.
        if (ring.Validate(presented) is not { } entry)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid (unknown or revoked)."));
        }

        usage.Touch(entry.Id, clock.GetUtcNow().UtcDateTime);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(entry.Principal, ApiKeyDefaults.Scheme)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Api.ApiProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Authentication required.", "The X-Api-Key (or Authorization: Bearer) header holds no valid key (unknown or revoked).");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Api.ApiProblems.WriteAsync(Context, StatusCodes.Status403Forbidden, "Forbidden.", "This key does not have the scope this needs.");
}

/// <summary>Records keys' last use in memory and writes it in batches, so authentication adds no database write per request.</summary>
public sealed class KeyUsageRecorder(ApiKeyStore store, ILogger<KeyUsageRecorder> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(5);
    private ConcurrentDictionary<int, DateTime> _pending = new();

    public void Touch(int keyId, DateTime at)
    {
        if (keyId > 0)
        {
            _pending.AddOrUpdate(keyId, at, (_, old) => at > old ? at : old);
        }
    }

    /// <summary>What has not been written yet, for the admin page to show the freshest time.</summary>
    public DateTime? PendingFor(int keyId) => _pending.TryGetValue(keyId, out var at) ? at : null;

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }

        var batch = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<int, DateTime>());
        try
        {
            await store.RecordUsageAsync(batch, cancellationToken);
        }
        catch
        {
            foreach (var (id, at) in batch)
            {
                Touch(id, at); // kept for the next batch
            }

            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushSafelyAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }

        await FlushSafelyAsync(CancellationToken.None);
    }

    private async Task FlushSafelyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not record API key usage; it is retried with the next batch");
        }
    }
}
