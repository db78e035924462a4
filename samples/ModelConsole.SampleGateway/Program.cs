using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using ModelConsole.Client;
using ModelConsole.SampleGateway;
using OpenAI;

// A minimal gateway: POST /chat { subject, message } is served through the family's bundle by ModelConsole's chat
// middleware. With FakeProvider:Enabled the app also answers OpenAI's chat-completions API itself (/fake-openai/v1), so
// the sample runs with no provider account; point Provider:Endpoint at a real OpenAI-compatible endpoint otherwise.
var builder = WebApplication.CreateSlimBuilder(args);
var family = builder.Configuration["ModelConsole:Family"] ?? "support-agent";

// Step 2: the package, configured with the console's address and a key (routing:read + telemetry:write).
builder.Services.AddModelConsole(o =>
{
    o.ConsoleUrl = Uri.TryCreate(builder.Configuration["ModelConsole:ConsoleUrl"], UriKind.Absolute, out var url) ? url : null;
    o.ApiKey = builder.Configuration["ModelConsole:ApiKey"];
    o.Family = family;
    o.CacheFile = builder.Configuration["ModelConsole:CacheFile"] is { Length: > 0 } file ? file : null;
});

// Step 3: the chat client wrapped. OpenAI's chat clients are bound to a model, so there is one per bundle model.
var endpoint = new Uri(builder.Configuration["Provider:Endpoint"] ?? "http://127.0.0.1:5080/fake-openai/v1");
var openAi = new OpenAIClient(new ApiKeyCredential(builder.Configuration["Provider:ApiKey"] is { Length: > 0 } providerKey ? providerKey : "unused"),
    new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = new ClientRetryPolicy(0) });
var perModel = new System.Collections.Concurrent.ConcurrentDictionary<string, IChatClient>(StringComparer.Ordinal);
builder.Services.AddSingleton<IChatClient>(services => new ModelConsoleChatClient(
    openAi.GetChatClient("default").AsIChatClient(),
    services.GetRequiredService<ModelConsoleClient>(),
    family,
    (_, options) => options?.ConversationId ?? "anonymous",
    (_, model) => perModel.GetOrAdd(model, m => openAi.GetChatClient(m).AsIChatClient()),
    logger: services.GetRequiredService<ILogger<ModelConsoleChatClient>>()));

var app = builder.Build();
app.MapPost("/chat", async (ChatRequest request, IChatClient chat, CancellationToken cancellationToken) =>
{
    if (string.IsNullOrWhiteSpace(request.Subject) || string.IsNullOrWhiteSpace(request.Message))
    {
        return Results.Problem("Give a subject and a message.", statusCode: StatusCodes.Status400BadRequest);
    }

    try
    {
        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, request.Message)], new ChatOptions { ConversationId = request.Subject }, cancellationToken);
        return Results.Ok(new ChatAnswer(response.Text, (string?)response.AdditionalProperties?[ModelConsoleChatClient.BundleProperty],
            (string?)response.AdditionalProperties?[ModelConsoleChatClient.RequestIdProperty]));
    }
    catch (ClientResultException ex)
    {
        return Results.Problem($"The provider failed: {ex.Message}", statusCode: StatusCodes.Status502BadGateway);
    }
});
app.MapGet("/healthz", () => Results.Ok("ok"));
if (app.Configuration.GetValue("FakeProvider:Enabled", false))
{
    FakeProvider.Map(app, app.Configuration["FakeProvider:FailingModels"]?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? []);
}

app.Run();

internal sealed record ChatRequest(string? Subject, string? Message);

internal sealed record ChatAnswer(string Text, string? Bundle, string? RequestId);
