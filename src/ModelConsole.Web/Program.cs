using System.Text.Json.Serialization;
using ModelConsole.Data;
using ModelConsole.Web.Api;
using ModelConsole.Web.Components;
using ModelConsole.Web.Services;
using MudBlazor.Services;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddConsoleOptions(builder.Configuration);
builder.Services.AddModelConsoleData(DatabaseSettings.From(
    builder.Configuration["Database:Provider"], builder.Configuration.GetConnectionString("ModelConsole"), builder.Environment.ContentRootPath));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<Readiness>();
builder.Services.AddSingleton<RegistryService>();
builder.Services.AddSingleton<DemoSeeder>();
builder.Services.AddHostedService<DatabaseStartup>();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddMudServices();

builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
// Bad bodies throw in every environment, so the exception handler answers them with problem details.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
});
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseSecurityHeaders();
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseAntiforgery();

app.MapStaticAssets();
app.MapHealthApi();
app.MapOpenApi("/openapi/{documentName}.json");

var api = app.MapGroup("/api/v1");
api.MapFamiliesApi();
api.MapBundlesApi();
app.MapApiFallback();

app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();
