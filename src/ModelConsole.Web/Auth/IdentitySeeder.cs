using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ModelConsole.Data.Entities;
using ModelConsole.Web.Services;

namespace ModelConsole.Web.Auth;

/// <summary>The demo accounts: one per role, passwords shown on the sign-in page of a demo database only.</summary>
public static class DemoUsers
{
    public sealed record DemoUser(string UserName, string Role, string Password);

    public static readonly IReadOnlyList<DemoUser> All =
    [
        new("oncall", Roles.OnCall, "oncall-demo-pass"),
        new("release", Roles.ReleaseManager, "release-demo-pass"),
        new("finance", Roles.Finance, "finance-demo-pass"),
        new("admin", Roles.Admin, "admin-demo-pass"),
    ];
}

/// <summary>Creates the roles, the bootstrap admin from configuration, and the demo users of a demo database.</summary>
public sealed class IdentitySeeder(IServiceScopeFactory scopes, IOptions<AuthOptions> auth, TimeProvider clock, ILogger<IdentitySeeder> logger)
{
    public async Task SeedAsync(bool createDemoUsers, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"role {role}");
            }
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        if (auth.Value.BootstrapAdmin is { UserName: { } name, Password: { } password })
        {
            var userName = name.Trim().ToLowerInvariant();
            if (await users.FindByNameAsync(userName) is null)
            {
                await CreateAsync(users, userName, password, Roles.All, isDemo: false);
                logger.LogInformation("Created the bootstrap admin account {UserName}", userName);
            }
        }

        if (createDemoUsers)
        {
            foreach (var demo in DemoUsers.All)
            {
                if (await users.FindByNameAsync(demo.UserName) is null)
                {
                    await CreateAsync(users, demo.UserName, demo.Password, [demo.Role], isDemo: true);
                }
            }
        }
    }

    private async Task CreateAsync(UserManager<ConsoleUser> users, string userName, string password, IReadOnlyList<string> roles, bool isDemo)
    {
        var user = new ConsoleUser { UserName = userName, CreatedAt = clock.GetUtcNow().UtcDateTime, IsDemo = isDemo };
        Check(await users.CreateAsync(user, password), $"user {userName}");
        Check(await users.AddToRolesAsync(user, roles), $"roles of {userName}");
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create {what}: {string.Join(" ", result.Errors.Select(e => e.Description))} (check Auth:BootstrapAdmin).");
        }
    }
}
