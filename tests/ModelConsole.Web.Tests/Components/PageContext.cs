using System.Globalization;
using System.Net;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Tests.Infrastructure;
using MudBlazor;
using MudBlazor.Services;

namespace ModelConsole.Web.Tests.Components;

/// <summary>
/// bunit for whole pages over the real console: the console runs on a real SQLite file (its services, stores and
/// jobs), and every service a page injects that the test context does not register itself comes from it. MudBlazor,
/// the signed-in user and <see cref="UserAccess"/> belong to the test context, as a circuit's scope would.
/// </summary>
public abstract class PageContext : BunitContext, IAsyncLifetime
{
    private TestDatabase? _database;
    private AsyncServiceScope? _scope;

    protected PageContext()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddScoped<UserAccess>();
        Services.AddSingleton(_ => Factory.Services.GetRequiredService<Sessions>());
        Auth = AddAuthorization();
        SignInAs(Roles.ReleaseManager);
    }

    protected BunitAuthorizationContext Auth { get; }

    protected ConsoleFactory Factory { get; private set; } = null!;

    /// <summary>A client of the same console with the bootstrap key, to set up families and telemetry as a gateway would.</summary>
    protected HttpClient Api { get; private set; } = null!;

    protected T Get<T>()
        where T : notnull => Factory.Services.GetRequiredService<T>();

    /// <summary>Signs the rendered pages in as a user of one role, with the policies that role passes.</summary>
    protected void SignInAs(string role)
    {
        Auth.SetAuthorized(role.ToLowerInvariant());
        Auth.SetRoles(role);
        Auth.SetPolicies(Policies.Requirements
            .Where(p => p.Value.Roles.Count == 0 || role == Roles.Admin || p.Value.Roles.Contains(role))
            .Select(p => p.Key).ToArray());
    }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        Factory = new ConsoleFactory(_database);
        Api = Factory.CreateKeyClient();
        // A scope of the console stands for the circuit's: its singletons are the console's own.
        _scope = Factory.Services.CreateAsyncScope();
        Services.AddFallbackServiceProvider(_scope.Value.ServiceProvider);
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_scope is { } scope)
        {
            await scope.DisposeAsync();
        }

        await Factory.DisposeAsync();
        await _database!.DisposeAsync();
    }

    /// <summary>The dialog provider rendered beside the page: dialogs the page opens appear in its markup.</summary>
    protected IRenderedComponent<MudDialogProvider> Dialogs { get; private set; } = null!;

    /// <summary>Renders a page with the popover and dialog providers beside it (menus, selects and dialogs need them).</summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null)
        where TPage : IComponent
    {
        Render<MudPopoverProvider>();
        Dialogs = Render<MudDialogProvider>();
        return parameters is null ? Render<TPage>() : Render(parameters);
    }

    protected Task PostOkAsync(string url, object body, HttpStatusCode expected = HttpStatusCode.OK) => Api.PostOkAsync(url, body, expected);
}
