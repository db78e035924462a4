using Microsoft.AspNetCore.Identity;

namespace ModelConsole.Data.Entities;

/// <summary>A person who signs in to the console (local account; OpenID Connect users are not stored).</summary>
public sealed class ConsoleUser : IdentityUser
{
    public DateTime CreatedAt { get; set; }

    /// <summary>A disabled user cannot sign in, and their sessions end at the next security-stamp check.</summary>
    public bool Disabled { get; set; }

    /// <summary>Demo users exist only in demo databases; their passwords are shown on the sign-in page there.</summary>
    public bool IsDemo { get; set; }
}

/// <summary>A machine credential. Only the SHA-256 of its secret is stored; the key itself is shown once.</summary>
public sealed class ApiKeyEntity : IVersioned
{
    public int Id { get; set; }
    public required string Name { get; set; }

    /// <summary>The public part of the key, used to find it without scanning.</summary>
    public required string Prefix { get; set; }
    public required string SecretHash { get; set; }

    /// <summary>Space-separated scopes, e.g. "console:read routing:read".</summary>
    public required string Scopes { get; set; }

    /// <summary>Exempt from the per-key rate limit (load tests).</summary>
    public bool Unlimited { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public long Version { get; set; }
}
