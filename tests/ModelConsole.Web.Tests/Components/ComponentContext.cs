using System.Globalization;
using System.Text.Json;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Families;
using ModelConsole.Data;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Services;
using ModelConsole.Web.Tests.Infrastructure;
using MudBlazor.Services;

namespace ModelConsole.Web.Tests.Components;

/// <summary>bunit with MudBlazor and the real registry over a real SQLite file (no mocked storage).</summary>
public abstract class ComponentContext : BunitContext, IAsyncLifetime
{
    private readonly TestDatabase _database = TestDatabase.CreateSqlite();

    protected ComponentContext()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
        Services.AddModelConsoleData(_database.Settings);
        Services.AddSingleton<RegistryService>();
        Services.AddSingleton<LiveEvents>();
        Services.AddSingleton<RoutingSnapshot>();
        Services.AddSingleton<Readiness>();
        Services.AddOptions();
        Services.AddSingleton<Sessions>();
        Services.AddScoped<UserAccess>();
        Auth = AddAuthorization();
        SignInAs(Roles.ReleaseManager);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected BunitAuthorizationContext Auth { get; }

    /// <summary>Signs the rendered components in as a user of one role, with the policies that role passes.</summary>
    protected void SignInAs(string role)
    {
        Auth.SetAuthorized(role.ToLowerInvariant());
        Auth.SetRoles(role);
        Auth.SetPolicies(Policies.Requirements
            .Where(p => p.Value.Roles.Count == 0 || role == Roles.Admin || p.Value.Roles.Contains(role))
            .Select(p => p.Key).ToArray());
    }

    protected RegistryService Registry => Services.GetRequiredService<RegistryService>();

    public async Task InitializeAsync() => await Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _database.DisposeAsync();
    }

    protected async Task FamilyAsync(string name)
    {
        var result = await Registry.CreateFamilyAsync(new FamilyDraft(name, null, null), "test", CancellationToken.None);
        Assert.True(result.Succeeded);
    }

    protected async Task BundleAsync(string name, string family, string provider = "openai", string modelId = "gpt-4o", string prompt = "Answer briefly.", string? parent = null)
    {
        using var config = JsonDocument.Parse("""{"temperature":0.2}""");
        var draft = new BundleDraft(name, family, provider, modelId, prompt, config.RootElement.Clone(), parent);
        var result = await Registry.RegisterAsync(draft, "test", CancellationToken.None);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.ToDictionary().SelectMany(e => e.Value)) + result.Conflict);
    }
}
