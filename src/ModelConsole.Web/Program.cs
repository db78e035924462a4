using System.Text.Json.Serialization;
using ModelConsole.Data;
using ModelConsole.Web.Api;
using ModelConsole.Web.Auth;
using ModelConsole.Web.Components;
using ModelConsole.Web.Jobs;
using ModelConsole.Web.Services;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddConsoleOptions(builder.Configuration);
builder.Services.AddModelConsoleData(DatabaseSettings.From(
    builder.Configuration["Database:Provider"], builder.Configuration.GetConnectionString("ModelConsole"), builder.Environment.ContentRootPath));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<Readiness>();
builder.Services.AddSingleton<RegistryService>();
builder.Services.AddSingleton<BundleContentCache>();
builder.Services.AddSingleton<DemoSeeder>();
builder.Services.AddSingleton<RoutingSnapshot>();
builder.Services.AddSingleton<PipelineService>();
builder.Services.AddSingleton<LiveEvents>();
builder.Services.AddSingleton<TelemetryService>();
builder.Services.AddSingleton<OtlpIntake>();
builder.Services.AddSingleton<OtlpIntakeStats>();
builder.Services.AddSingleton<IMetricsSource>(sp => sp.GetRequiredService<TelemetryService>());
builder.Services.AddSingleton<ExpensiveReads>();
builder.Services.AddSingleton<FamilyReferenceService>();
builder.Services.AddSingleton<PlannerService>();
builder.Services.AddSingleton<ComparisonService>();
builder.Services.AddSingleton<AlertsService>();
builder.Services.AddSingleton<EvaluationService>();
builder.Services.AddSingleton<RulesService>();
builder.Services.AddSingleton<RollbackReadinessService>();
builder.Services.AddSingleton<ExperimentService>();
builder.Services.AddHostedService<EvaluationTriggers>();
builder.Services.AddHostedService<AlertWebhook>();
builder.Services.AddConsoleJobs(builder.Configuration);
builder.Services.AddHostedService<ModelConsole.Web.Hubs.HubRelay>();
builder.Services.AddSignalR();
builder.Services.AddHostedService<DatabaseStartup>();
builder.Services.AddHostedService<StartupBanner>();
builder.Services.AddSingleton<DemoDegradations>();
builder.Services.AddSingleton<TrafficSimulator>();
builder.Services.AddHostedService<SimulatorHost>();
builder.Services.AddConsoleAuth(builder.Configuration, builder.Environment);
var proxy = ProxySettings.Read(builder.Configuration);
builder.Services.AddConsoleProxy(proxy);

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
// Toasts and notices at the bottom right, clear of the page's own buttons at the top.
// Toasts sit bottom left, over the navigation rather than the pipeline's buttons, newest (a rollback) on top.
builder.Services.AddMudServices(c =>
{
    c.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft;
    c.SnackbarConfiguration.NewestOnTop = true;
    c.SnackbarConfiguration.MaxDisplayedSnackbars = 4;
});

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
// Bad bodies throw in every environment, so the exception handler answers them with problem details.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
    // {"events":[…],"events":[]} is refused, not silently read as its last value.
    o.SerializerOptions.AllowDuplicateProperties = false;
    o.SerializerOptions.Converters.Add(new JsonBodies.FiniteDoubleConverter());
    o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
});
builder.Services.AddConsoleOpenApi();
var observability = Observability.Read(builder.Configuration);
builder.Services.AddConsoleObservability(observability);

var app = builder.Build();

app.UseConsoleProxy(proxy);
app.UseConsoleObservability(observability);
if (!app.Environment.IsDevelopment())
{
    app.UseHsts(); // sent on HTTPS answers only (through a proxy: the forwarded scheme)
}

app.UseExceptionHandler();
// Gateways' hot path: a key's route lookup answered before the page pipeline (anything else falls through to it).
app.UseRouteFastPath();
app.UseSecurityHeaders();
// People reading pages get the not-found page; machines and form posts keep their status and problem details.
app.UseWhen(context => HttpMethods.IsGet(context.Request.Method) && !AuthSetup.IsMachinePath(context.Request),
    pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseRouting();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseJsonBodies();
app.UseAntiforgery();

// Nothing is anonymous but the sign-in page, its assets and the health probes.
app.MapStaticAssets().AllowAnonymous();
app.MapHealthApi();
app.MapOpenApi("/openapi/{documentName}.json").RequireAuthorization(Policies.AnyCaller);
app.MapAccountEndpoints();

var api = app.MapGroup("/api/v1").RequireRateLimiting(AuthSetup.ApiRateLimit);
api.MapFamiliesApi();
api.MapBundlesApi();
api.MapPipelineApi();
api.MapRoutingApi();
api.MapLedgerApi();
api.MapTelemetryApi();
api.MapPlannerApi();
api.MapExperimentsApi();
api.MapComparisonApi();
api.MapAlertsApi();
api.MapGatewaysApi();
app.MapApiFallback();
app.MapOfrepApi();
app.MapOtlpApi();
app.MapConsoleObservability(observability);
app.MapHub<ModelConsole.Web.Hubs.AlertsHub>(ModelConsole.Web.Hubs.AlertsHub.Path);

// Our own policy already says frame-ancestors 'none'; Blazor's default second header (frame-ancestors 'self') is dropped.
app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null).RequireAuthorization(Policies.SignedIn);

app.Run();
