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

    public static bool IsApiKey(this ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyDefaults.Scheme };
}

/// <summary>
/// Who may pass: browsers in one of <see cref="Roles"/> (any signed-in person when empty; Admin always), keys with
/// every one of <see cref="Scopes"/> (any key when empty; no key when null), or any one of them when
/// <see cref="AnyScope"/>.
/// </summary>
public sealed record AccessRequirement(IReadOnlyList<string> Roles, IReadOnlyList<string>? Scopes, bool AnyScope = false) : IAuthorizationRequirement;

public sealed class AccessRequirementHandler : AuthorizationHandler<AccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        bool allowed;
        if (user.IsApiKey())
        {
            allowed = requirement.Scopes is { } scopes
                && (requirement.AnyScope && scopes.Count > 0
                    ? scopes.Any(s => user.HasClaim(Auth.Scopes.ClaimType, s))
                    : scopes.All(s => user.HasClaim(Auth.Scopes.ClaimType, s)));
        }
        else
        {
            allowed = requirement.Roles.Count == 0 || user.IsInRole(Auth.Roles.Admin) || requirement.Roles.Any(user.IsInRole);
        }

        if (allowed)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
