using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Entities;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Auth;

/// <summary>
/// The authorization matrix for the pages' own handlers (the buttons and dialogs that change something, which no
/// HTTP endpoint guards): each is listed with the roles API.md's table gives what it does, the source is read to prove
/// that every call that changes something sits in a handler of this list that checks its policy at the moment it acts,
/// and each handler's policy is then asked of a real signed-in user of every role, and again once demoted.
/// </summary>
public sealed partial class PageHandlerMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static readonly string[] ReleaseManagers = [Roles.ReleaseManager, Roles.Admin];
    private static readonly string[] Responders = [Roles.OnCall, Roles.ReleaseManager, Roles.Admin];
    private static readonly string[] Admins = [Roles.Admin];

    /// <summary>"Component.Handler" → the policy it checks and the roles API.md's authorization table lets do it.</summary>
    private static readonly Dictionary<string, (string Policy, string[] Roles)> Handlers = new(StringComparer.Ordinal)
    {
        ["FamilyPage.TransitionAsync"] = (Policies.PipelineWrite, ReleaseManagers),   // shadow, canary, ramp, promote
        ["FamilyPage.DoRollbackAsync"] = (Policies.Rollback, Responders),
        ["FamilyPage.EndSilenceAsync"] = (Policies.Rollback, Responders),
        ["Rules.SaveAsync"] = (Policies.PipelineWrite, ReleaseManagers),
        ["Rules.CaptureAsync"] = (Policies.PipelineWrite, ReleaseManagers),          // a baseline capture
        ["Rules.AddSequentialAsync"] = (Policies.PipelineWrite, ReleaseManagers),    // PUT rules
        ["Planner.AttachAsync"] = (Policies.PipelineWrite, ReleaseManagers),         // PUT a bundle's plan
        ["ExperimentPage.ConcludeAsync"] = (Policies.PipelineWrite, ReleaseManagers),
        ["NewExperimentDialog.SubmitAsync"] = (Policies.PipelineWrite, ReleaseManagers),
        ["NewFamilyDialog.SubmitAsync"] = (Policies.RegistryWrite, ReleaseManagers),
        ["RegisterBundleDialog.SubmitAsync"] = (Policies.RegistryWrite, ReleaseManagers),
        ["Alerts.AcknowledgeAsync"] = (Policies.Rollback, Responders),
        ["Alerts.ResolveAsync"] = (Policies.Rollback, Responders),
        ["AlertBell.Acknowledgeable"] = (Policies.Rollback, Responders),
        ["IncidentBanner.AcknowledgeAsync"] = (Policies.Rollback, Responders),
        ["SilenceDialog.SubmitAsync"] = (Policies.Rollback, Responders),
        ["Keys.CreateAsync"] = (Policies.Admin, Admins),
        ["Keys.RevokeAsync"] = (Policies.Admin, Admins),
        ["Users.CreateAsync"] = (Policies.Admin, Admins),
        ["Users.SaveRolesAsync"] = (Policies.Admin, Admins),
        ["Users.ResetPasswordAsync"] = (Policies.Admin, Admins),
        ["Users.ToggleDisabledAsync"] = (Policies.Admin, Admins),
        ["Demo.StartAsync"] = (Policies.Admin, Admins),
        ["Demo.StopAsync"] = (Policies.Admin, Admins),
    };

    // A call of a service method that changes something (what every page handler above ends in).
    [GeneratedRegex(@"\b[A-Z]\w*\.(Create|Save|Set|Delete|Revoke|Register|Transition|Rollback|Start|Stop|Conclude|Resolve|Acknowledge|Capture|Attach|End|Put|Add|Remove|Update|Replace|Degrade|Disable|Enable|Reset|Silence|Approve|Pause|Resume|Abort|Skip|Import|Clear|Purge|Grant|Invite|Trigger)(?:[A-Z]\w*)?Async\(")]
    private static partial Regex ChangingCall();

    [GeneratedRegex(@"^\s*(?:private|public|protected|internal)\s[^=;(]*?\b(\w+)\s*\(", RegexOptions.Multiline)]
    private static partial Regex MethodDeclaration();

    [GeneratedRegex(@"ActAsync\((?:Auth\.)?Policies\.(\w+)\)")]
    private static partial Regex PolicyCheck();

    /// <summary>Each component file's methods as (name, body) in source order; what comes before the first one is "markup".</summary>
    private static IEnumerable<(string Component, string Method, string Body)> Methods()
    {
        var root = Path.Combine(Repository.Root, "src", "ModelConsole.Web", "Components");
        foreach (var file in Directory.EnumerateFiles(root, "*.razor*", SearchOption.AllDirectories).Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".razor.cs", StringComparison.Ordinal)))
        {
            var component = Path.GetFileName(file).Split('.')[0];
            var text = File.ReadAllText(file);
            var declarations = MethodDeclaration().Matches(text).ToList();
            var first = declarations.Count == 0 ? text.Length : declarations[0].Index;
            yield return (component, "markup", text[..first]);
            for (var i = 0; i < declarations.Count; i++)
            {
                var end = i + 1 < declarations.Count ? declarations[i + 1].Index : text.Length;
                yield return (component, declarations[i].Groups[1].Value, text[declarations[i].Index..end]);
            }
        }
    }

    [Fact]
    public void EveryCallThatChangesSomething_IsInAListedHandler_ThatChecksItsPolicyWhenItActs()
    {
        var methods = Methods().ToList();
        // A handler may check through a helper of its own component (Users' ActorIfAdminAsync).
        var checks = methods.SelectMany(m => PolicyCheck().Matches(m.Body).Select(c => (m.Component, m.Method, Policy: c.Groups[1].Value))).ToList();
        // The check must come before the first change, and its answer must be read (".Allowed", or a helper's null).
        string? PolicyOf((string Component, string Method, string Body) m)
        {
            var change = ChangingCall().Match(m.Body).Index;
            if (PolicyCheck().Match(m.Body) is { Success: true } own)
            {
                return own.Index < change && m.Body[own.Index..change].Contains(".Allowed", StringComparison.Ordinal) ? own.Groups[1].Value : null;
            }

            var helper = checks.FirstOrDefault(c => c.Component == m.Component && c.Method != m.Method && m.Body.Contains(c.Method + "(", StringComparison.Ordinal));
            return helper.Method is not null && m.Body.IndexOf(helper.Method + "(", StringComparison.Ordinal) < change ? helper.Policy : null;
        }

        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var m in methods.Where(m => ChangingCall().IsMatch(m.Body)))
        {
            var key = $"{m.Component}.{m.Method}";
            Assert.True(m.Method != "markup", $"{m.Component} changes something from its markup ({ChangingCall().Match(m.Body).Value}): call it from a handler that checks access.");
            found[key] = PolicyOf(m);
        }

        foreach (var (key, policy) in found)
        {
            Assert.True(Handlers.TryGetValue(key, out var expected), $"{key} changes something but is not in this matrix: add it with the roles API.md gives.");
            Assert.True(policy is not null, $"{key} changes something without asking UserAccess.ActAsync first, at that moment, and reading its answer.");
            Assert.True(Policies.Requirements.ContainsKey(expected.Policy), expected.Policy);
            Assert.Equal(typeof(Policies).GetField(policy!)!.GetValue(null), expected.Policy);
        }

        Assert.Empty(Handlers.Keys.Except(found.Keys)); // a handler listed here that no longer exists
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var handler in Handlers.Keys)
        {
            foreach (var role in Roles.All)
            {
                data.Add(handler, role);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ASignedInUser_MayActThroughAHandler_ExactlyWhenTheTableSays(string handler, string role)
    {
        var (policy, roles) = Handlers[handler];
        var acting = await AccessOf(await PrincipalAsync(role.ToLowerInvariant())).ActAsync(policy);
        Assert.True(roles.Contains(role) == acting.Allowed, $"{role} → {handler}: expected {(roles.Contains(role) ? "allowed" : "refused")}");
        Assert.Equal(acting.Allowed ? role.ToLowerInvariant() : null, acting.Actor);
    }

    [Fact]
    public async Task AnAdminsOpenPage_CanDoNothing_OnceDemotedOrDisabled()
    {
        var admin = fixture.Factory.Services.GetRequiredService<AdminService>();
        var name = "demoted-" + Guid.NewGuid().ToString("N")[..6];
        await using (var scope = fixture.Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var user = new ConsoleUser { UserName = name };
            Assert.True((await users.CreateAsync(user, AccessFixture.Password)).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, Roles.Admin)).Succeeded);
        }

        var id = (await admin.ListUsersAsync(CancellationToken.None)).Single(u => u.UserName == name).Id;
        var access = AccessOf(await PrincipalAsync(name)); // the page's user, as it opened
        foreach (var (policy, _) in Handlers.Values.Distinct())
        {
            Assert.True((await access.ActAsync(policy)).Allowed, policy);
        }

        await admin.SetRolesAsync(id, [Roles.Finance], "test", CancellationToken.None);
        foreach (var (handler, (policy, _)) in Handlers)
        {
            var refused = await access.ActAsync(policy);
            Assert.False(refused.Allowed, handler);
            Assert.Contains("sign in again", refused.Refusal, StringComparison.Ordinal);
        }

        var again = AccessOf(await PrincipalAsync(name)); // signed in again: a Finance user, who may none of these
        await admin.SetDisabledAsync(id, disabled: true, "test", CancellationToken.None);
        foreach (var (handler, (policy, _)) in Handlers)
        {
            Assert.False((await again.ActAsync(policy)).Allowed, handler);
        }
    }

    private UserAccess AccessOf(ClaimsPrincipal user) => new(new FixedState(user), fixture.Factory.Services.GetRequiredService<Sessions>());

    private async Task<ClaimsPrincipal> PrincipalAsync(string userName)
    {
        await using var scope = fixture.Factory.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ConsoleUser>>();
        return await signIn.CreateUserPrincipalAsync((await signIn.UserManager.FindByNameAsync(userName))!);
    }

    private sealed class FixedState(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }
}
