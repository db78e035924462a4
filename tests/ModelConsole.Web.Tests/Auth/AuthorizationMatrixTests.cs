using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Web.Auth;

namespace ModelConsole.Web.Tests.Auth;

/// <summary>
/// API.md's authorization table, checked against every endpoint the app actually maps: a new endpoint that is
/// not in this table, or whose policy differs, fails here; every API endpoint and page is then called as
/// anonymous, each role, and a key with and without the scopes, over the real HTTP stack.
/// </summary>
public class AuthorizationMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private const string Anonymous = "anonymous";

    /// <summary>The contract: "METHOD pattern" → the policy that guards it, with a path to call it by.</summary>
    private static readonly Dictionary<string, (string Policy, string Path)> Contract = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/families/"] = (Policies.ConsoleRead, "/api/v1/families"),
        ["POST /api/v1/families/"] = (Policies.RegistryWrite, "/api/v1/families"),
        ["GET /api/v1/families/{family}"] = (Policies.ConsoleRead, "/api/v1/families/matrix"),
        ["GET /api/v1/bundles/"] = (Policies.ConsoleRead, "/api/v1/bundles"),
        ["POST /api/v1/bundles/"] = (Policies.RegistryWrite, "/api/v1/bundles"),
        ["GET /api/v1/bundles/{name}"] = (Policies.ConsoleRead, "/api/v1/bundles/no-such-bundle"),
        ["POST /api/v1/bundles/{name}/transitions"] = (Policies.PipelineWrite, "/api/v1/bundles/no-such-bundle/transitions"),
        ["POST /api/v1/families/{family}/rollback"] = (Policies.Rollback, "/api/v1/families/matrix/rollback"),
        ["GET /api/v1/families/{family}/route"] = (Policies.RoutingRead, "/api/v1/families/matrix/route?subject=user-1"),
        ["GET /api/v1/routing-table"] = (Policies.RoutingRead, "/api/v1/routing-table"),
        ["GET /api/v1/ledger"] = (Policies.ConsoleRead, "/api/v1/ledger"),
        ["POST /api/v1/telemetry"] = (Policies.TelemetryWrite, "/api/v1/telemetry"),
        ["GET /api/v1/bundles/{name}/metrics"] = (Policies.ConsoleRead, "/api/v1/bundles/no-such-bundle/metrics"),
        ["GET /api/v1/families/{family}/rules"] = (Policies.ConsoleRead, "/api/v1/families/matrix/rules"),
        ["PUT /api/v1/families/{family}/rules"] = (Policies.PipelineWrite, "/api/v1/families/matrix/rules"),
        ["GET /api/v1/alerts"] = (Policies.ConsoleRead, "/api/v1/alerts"),
        ["POST /api/v1/alerts/{id:long}/acknowledge"] = (Policies.Rollback, "/api/v1/alerts/999999/acknowledge"),
        ["POST /api/v1/alerts/{id:long}/resolve"] = (Policies.Rollback, "/api/v1/alerts/999999/resolve"),
        ["POST /api/v1/families/{family}/silences"] = (Policies.Rollback, "/api/v1/families/matrix/silences"),
        ["GET /api/v1/families/{family}/silences"] = (Policies.ConsoleRead, "/api/v1/families/matrix/silences"),
        ["DELETE /api/v1/silences/{id:long}"] = (Policies.Rollback, "/api/v1/silences/999999"),
        ["GET /api/v1/families/{family}/comparison"] = (Policies.ConsoleRead, "/api/v1/families/matrix/comparison"),
        ["POST /api/v1/planner/sample-size"] = (Policies.ConsoleRead, "/api/v1/planner/sample-size"),
        ["POST /api/v1/planner/shadow-cost"] = (Policies.ConsoleRead, "/api/v1/planner/shadow-cost"),
        ["POST /api/v1/planner/duration"] = (Policies.ConsoleRead, "/api/v1/planner/duration"),
        ["PUT /api/v1/bundles/{name}/plan"] = (Policies.PipelineWrite, "/api/v1/bundles/no-such-bundle/plan"),
        ["GET /api/v1/families/{family}/readiness"] = (Policies.ConsoleRead, "/api/v1/families/matrix/readiness?percent=5"),
        ["POST /api/v1/bundles/{bundle}/baseline/capture"] = (Policies.PipelineWrite, "/api/v1/bundles/no-such-bundle/baseline/capture"),
        ["GET /api/v1/experiments/"] = (Policies.ConsoleRead, "/api/v1/experiments"),
        ["POST /api/v1/experiments/"] = (Policies.PipelineWrite, "/api/v1/experiments"),
        ["GET /api/v1/experiments/{id}"] = (Policies.ConsoleRead, "/api/v1/experiments/exp-none"),
        ["POST /api/v1/experiments/{id}/conclude"] = (Policies.PipelineWrite, "/api/v1/experiments/exp-none/conclude"),
        ["GET /api/v1/bundles/{name}/content"] = (Policies.RoutingRead, "/api/v1/bundles/no-such-bundle/content"),
        ["POST /api/v1/telemetry/annotations"] = (Policies.TelemetryWrite, "/api/v1/telemetry/annotations"),
        ["POST /ofrep/v1/evaluate/flags/{key}"] = (Policies.RoutingRead, "/ofrep/v1/evaluate/flags/matrix"),
        ["POST /ofrep/v1/evaluate/flags"] = (Policies.RoutingRead, "/ofrep/v1/evaluate/flags"),
        ["POST /v1/traces"] = (Policies.TelemetryWrite, "/v1/traces"),
        ["* /api/{**rest}"] = (Policies.AnyCaller, "/api/v1/no/such/thing"),
        ["GET /openapi/{documentName}.json"] = (Policies.AnyCaller, "/openapi/v1.json"),
        ["GET /healthz"] = (Anonymous, "/healthz"),
        ["GET /readyz"] = (Anonymous, "/readyz"),
        ["POST /account/sign-in"] = (Anonymous, "/account/sign-in"),
        ["POST /account/sign-out"] = (Policies.SignedIn, "/account/sign-out"),
        ["GET /account/sign-in-sso"] = (Anonymous, "/account/sign-in-sso"),
        ["GET /sign-in"] = (Anonymous, "/sign-in"),
        ["GET /"] = (Policies.SignedIn, "/"),
        ["GET /families"] = (Policies.SignedIn, "/families"),
        ["GET /families/{Family}"] = (Policies.SignedIn, "/families/matrix"),
        ["GET /bundles"] = (Policies.SignedIn, "/bundles"),
        ["GET /bundles/{Name}"] = (Policies.SignedIn, "/bundles/no-such-bundle"),
        ["GET /not-found"] = (Policies.SignedIn, "/not-found"),
        ["GET /access-denied"] = (Policies.SignedIn, "/access-denied"),
        ["GET /audit"] = (Policies.SignedIn, "/audit"),
        ["GET /intake"] = (Policies.SignedIn, "/intake"),
        ["GET /planner"] = (Policies.SignedIn, "/planner"),
        ["GET /compare"] = (Policies.SignedIn, "/compare"),
        ["GET /alerts"] = (Policies.SignedIn, "/alerts"),
        ["GET /families/{Family}/rules"] = (Policies.SignedIn, "/families/matrix/rules"),
        ["GET /experiments"] = (Policies.SignedIn, "/experiments"),
        ["GET /experiments/{Id}"] = (Policies.SignedIn, "/experiments/exp-none"),
        ["* /hubs/alerts/negotiate"] = (Policies.LiveEvents, "/hubs/alerts/negotiate?negotiateVersion=1"),
        ["* /hubs/alerts"] = (Policies.LiveEvents, "/hubs/alerts"),
        ["GET /admin/users"] = (Policies.Admin, "/admin/users"),
        ["GET /admin/keys"] = (Policies.Admin, "/admin/keys"),
        ["GET /demo"] = (Policies.Admin, "/demo"),
        // Development's fallback for static files missing from the manifest: covered by the fallback policy.
        ["GET {**path:file}"] = ("fallback", "/no-such-file.txt"),
        ["GET /_framework/opaque-redirect"] = ("fallback", "/_framework/opaque-redirect"),
    };

    private static readonly string[] Callers = [Anonymous, .. Roles.All, "key-with-scopes", "key-without-scopes"];

    private IEnumerable<(string Key, RouteEndpoint Endpoint)> MappedEndpoints()
    {
        var endpoints = fixture.Factory.Services.GetRequiredService<IEnumerable<EndpointDataSource>>()
            .SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<StaticAssetDescriptor>() is null)
            .Where(e => !e.RoutePattern.RawText!.StartsWith("/_blazor", StringComparison.Ordinal));
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"];
            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                // Razor component endpoints accept POST for forms; their access is the GET's.
                if (method == "POST" && endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
                {
                    continue;
                }

                yield return ($"{method} {endpoint.RoutePattern.RawText}", endpoint);
            }
        }
    }

    [Fact]
    public void EveryMappedEndpoint_IsInTheContract_WithThePolicyItSays()
    {
        var mapped = MappedEndpoints().ToList();

        foreach (var (key, endpoint) in mapped)
        {
            Assert.True(Contract.TryGetValue(key, out var expected), $"'{key}' is mapped but not in API.md's authorization table (add its policy and a row here).");
            var allowsAnonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
            switch (expected.Policy)
            {
                case Anonymous:
                    Assert.True(allowsAnonymous, $"{key} should be anonymous");
                    break;
                case "fallback":
                    // No policy of its own: the fallback policy (a signed-in caller) applies.
                    Assert.False(allowsAnonymous, $"{key} must not be anonymous");
                    break;
                default:
                    Assert.False(allowsAnonymous, $"{key} must not be anonymous");
                    Assert.Contains(expected.Policy, policies);
                    break;
            }
        }

        Assert.Empty(Contract.Keys.Except(mapped.Select(m => m.Key)));
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var key in Contract.Keys.Where(k => k != "POST /account/sign-out"))
        {
            foreach (var caller in Callers)
            {
                data.Add(key, caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Caller_GetsWhatTheTableSays(string endpoint, string caller)
    {
        var (policy, path) = Contract[endpoint];
        var method = endpoint.Split(' ')[0] is "*" ? (path.StartsWith("/hubs/alerts/negotiate", StringComparison.Ordinal) ? "POST" : "GET") : endpoint.Split(' ')[0];
        var isPage = !path.StartsWith("/api", StringComparison.Ordinal) && !path.StartsWith("/openapi", StringComparison.Ordinal)
            && !path.StartsWith("/account", StringComparison.Ordinal) && !path.StartsWith("/hubs", StringComparison.Ordinal) && !path.StartsWith("/ofrep", StringComparison.Ordinal) && !path.StartsWith("/v1/", StringComparison.Ordinal) && policy != Anonymous;
        if (path == "/_framework/opaque-redirect")
        {
            return; // Blazor's own endpoint for enhanced navigation: its metadata is checked above, it is not called.
        }

        var (client, dispose) = await ClientForAsync(caller, policy);
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT")
            {
                request.Content = path.StartsWith("/account", StringComparison.Ordinal)
                    ? new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "nobody", ["Password"] = "wrong" })
                    : new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var location = response.Headers.Location?.ToString() ?? "";
            var expected = Expect(policy, caller, isPage);
            var actual = response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => "401",
                HttpStatusCode.Forbidden => "403",
                HttpStatusCode.Redirect when location.StartsWith("/sign-in", StringComparison.Ordinal) || location.Contains("/sign-in?", StringComparison.Ordinal) => "to-sign-in",
                HttpStatusCode.Redirect when location.Contains("/access-denied", StringComparison.Ordinal) => "to-access-denied",
                _ => "allowed",
            };
            Assert.True(expected == actual, $"{caller} → {endpoint}: expected {expected}, got {actual} ({(int)response.StatusCode} {location})");
        }
        finally
        {
            if (dispose)
            {
                client.Dispose();
            }
        }
    }

    private static string Expect(string policy, string caller, bool isPage)
    {
        if (policy == Anonymous)
        {
            return "allowed";
        }

        var isKey = caller.StartsWith("key-", StringComparison.Ordinal);
        if (caller == Anonymous)
        {
            return isPage ? "to-sign-in" : "401";
        }

        bool allowed;
        if (isKey)
        {
            // The fallback lands keys on the not-found page, which is for people: refused like any page.
            var scopes = policy == "fallback" ? null : Policies.Requirements[policy].Scopes;
            allowed = scopes is not null && (caller == "key-with-scopes" || scopes.Count == 0);
        }
        else
        {
            var roles = policy == "fallback" ? [] : Policies.Requirements[policy].Roles;
            allowed = roles.Count == 0 || caller == Roles.Admin || roles.Contains(caller);
        }

        return allowed ? "allowed" : isPage && !isKey ? "to-access-denied" : "403";
    }

    private async Task<(HttpClient Client, bool Dispose)> ClientForAsync(string caller, string policy)
    {
        if (fixture.Browsers.TryGetValue(caller, out var browser))
        {
            return (browser, false);
        }

        if (caller == Anonymous)
        {
            return (fixture.Factory.CreateClient(new() { AllowAutoRedirect = false }), true);
        }

        var required = policy is Anonymous or "fallback" ? [] : Policies.Requirements[policy].Scopes ?? [];
        var scopes = caller == "key-with-scopes"
            ? (required.Count > 0 ? required : [Scopes.ConsoleRead])
            : Scopes.All.Except(required).ToList();
        if (scopes.Count == 0)
        {
            scopes = [Scopes.ConsoleRead];
        }

        return (fixture.Factory.CreateKeyClient(await fixture.KeyAsync(scopes)), true);
    }
}
