namespace ModelConsole.Web.Auth;

/// <summary>The browser roles of DESIGN.md "Roles and security"; Admin may do everything.</summary>
public static class Roles
{
    public const string OnCall = "OnCall";
    public const string ReleaseManager = "ReleaseManager";
    public const string Finance = "Finance";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [OnCall, ReleaseManager, Finance, Admin];

    /// <summary>The people of a role, in words ("release managers").</summary>
    public static string Plural(string role) => role switch
    {
        OnCall => "on-call engineers",
        ReleaseManager => "release managers",
        Finance => "finance",
        _ => "admins",
    };
}

/// <summary>The scopes an API key may carry (API.md "Authorization").</summary>
public static class Scopes
{
    public const string ConsoleRead = "console:read";
    public const string RoutingRead = "routing:read";
    public const string TelemetryWrite = "telemetry:write";
    public const string RegistryWrite = "registry:write";
    public const string PipelineWrite = "pipeline:write";
    public const string PipelineOverride = "pipeline:override";

    public static readonly IReadOnlyList<string> All = [ConsoleRead, RoutingRead, TelemetryWrite, RegistryWrite, PipelineWrite, PipelineOverride];

    public const string ClaimType = "scope";
}
