using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Core.Families;
using ModelConsole.Data.Entities;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Auth;

/// <summary>A console with one user per role, keys made to measure, and a family and bundle to address.</summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string Password = "correct-horse-battery";
    private TestDatabase? _database;

    public ConsoleFactory Factory { get; private set; } = null!;

    public Dictionary<string, HttpClient> Browsers { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        _database = TestDatabase.CreateSqlite();
        Factory = new ConsoleFactory(_database, new Dictionary<string, string?> { ["RateLimit:SignInPerMinute"] = "1000" });
        _ = Factory.Server;
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            foreach (var role in Roles.All)
            {
                var user = new ConsoleUser { UserName = role.ToLowerInvariant() };
                Assert.True((await users.CreateAsync(user, Password)).Succeeded);
                Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
            }
        }

        var registry = Factory.Services.GetRequiredService<RegistryService>();
        await registry.CreateFamilyAsync(new FamilyDraft("matrix", null, null), "test", CancellationToken.None);
        foreach (var role in Roles.All)
        {
            Browsers[role] = await SignIn.AsAsync(Factory, role.ToLowerInvariant(), Password);
        }
    }

    /// <summary>A new key with exactly these scopes.</summary>
    public async Task<string> KeyAsync(IReadOnlyList<string> scopes, bool unlimited = false)
    {
        var admin = Factory.Services.GetRequiredService<AdminService>();
        var result = await admin.CreateKeyAsync("k-" + Guid.NewGuid().ToString("N")[..12], scopes, unlimited, "test", CancellationToken.None);
        return result.Value!.Key;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in Browsers.Values)
        {
            client.Dispose();
        }

        await Factory.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
