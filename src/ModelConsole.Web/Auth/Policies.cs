using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace ModelConsole.Web.Auth;

/// <summary>
/// One policy per row of API.md's authorization table: browsers are judged by role (Admin passes every policy a
/// browser may pass), keys by scope. A policy with no key scopes refuses keys.
/// </summary>
public static class Policies
{
    public const string ConsoleRead = "console-read";
    public const string RoutingRead = "routing-read";
    public const string TelemetryWrite = "telemetry-write";
    public const string RegistryWrite = "registry-write";
    public const string PipelineWrite = "pipeline-write";
    public const string PipelineOverride = "pipeline-override";
    public const string Rollback = "rollback";
    public const string Admin = "admin";

    /// <summary>The hub: any signed-in person, or a key with console:read or routing:read (gateways hear routing only).</summary>
    public const string LiveEvents = "live-events";

    /// <summary>Any signed-in person (the pages).</summary>
    public const string SignedIn = "signed-in";

    /// <summary>Any signed-in person or any valid key (the OpenAPI document, unknown API paths).</summary>
    public const string AnyCaller = "any-caller";

    public static readonly IReadOnlyDictionary<string, AccessRequirement> Requirements = new Dictionary<string, AccessRequirement>
    {
        [ConsoleRead] = new([], [Scopes.ConsoleRead]),
        [RoutingRead] = new([], [Scopes.RoutingRead]),
        [TelemetryWrite] = new([Roles.Admin], [Scopes.TelemetryWrite]),
        [RegistryWrite] = new([Roles.ReleaseManager], [Scopes.RegistryWrite]),
        [PipelineWrite] = new([Roles.ReleaseManager], [Scopes.PipelineWrite]),
        [PipelineOverride] = new([Roles.ReleaseManager], [Scopes.PipelineWrite, Scopes.PipelineOverride]),
        [Rollback] = new([Roles.OnCall, Roles.ReleaseManager], [Scopes.PipelineWrite]),
        [Admin] = new([Roles.Admin], null),
        [LiveEvents] = new([], [Scopes.ConsoleRead, Scopes.RoutingRead], AnyScope: true),
        [SignedIn] = new([], null),
        [AnyCaller] = new([], []),
    };

    public static void AddConsolePolicies(this AuthorizationOptions options)
    {
        // An endpoint that says nothing about access is for signed-in callers, never for anyone.
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        foreach (var (name, requirement) in Requirements)
        {
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().AddRequirements(requirement));
        }
    }

    /// <summary>Whether <paramref name="user"/> passes <paramref name="policy"/> (one of this class's names).</summary>
    public static bool Allows(this ClaimsPrincipal user, string policy) => Requirements[policy].IsMetBy(user);

    public static bool IsApiKey(this ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyDefaults.Scheme };
}

/// <summary>
/// Who may pass: browsers in one of <see cref="Roles"/> (any signed-in person when empty; Admin always), keys with
/// every one of <see cref="Scopes"/> (any key when empty; no key when null), or any one of them when
/// <see cref="AnyScope"/>.
/// </summary>
public sealed record AccessRequirement(IReadOnlyList<string> Roles, IReadOnlyList<string>? Scopes, bool AnyScope = false) : IAuthorizationRequirement
{
    /// <summary>The one rule, for endpoints (through the handler) and pages (through <see cref="UserAccess"/>) alike.</summary>
    public bool IsMetBy(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        if (user.IsApiKey())
        {
            return Scopes is { } scopes
                && (AnyScope && scopes.Count > 0
                    ? scopes.Any(s => user.HasClaim(Auth.Scopes.ClaimType, s))
                    : scopes.All(s => user.HasClaim(Auth.Scopes.ClaimType, s)));
        }

        return Roles.Count == 0 || user.IsInRole(Auth.Roles.Admin) || Roles.Any(user.IsInRole);
    }

    /// <summary>What a person is told when their role does not pass: who may.</summary>
    public string Refusal() => Roles.Where(r => r != Auth.Roles.Admin).Select(Auth.Roles.Plural).ToList() switch
    {
        _ when Roles.Count == 0 => "Sign in to do this.",
        [] => "Your role does not allow this: only admins may.",
        var others => $"Your role does not allow this: only {string.Join(", ", others)} and admins may.",
    };
}

public sealed class AccessRequirementHandler : AuthorizationHandler<AccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        if (requirement.IsMetBy(context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
