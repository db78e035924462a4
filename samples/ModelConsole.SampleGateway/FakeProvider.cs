using System.Text.Json.Nodes;

namespace ModelConsole.SampleGateway;

/// <summary>
/// OpenAI's chat-completions API answered locally, for trying the sample without a provider: it echoes the last
/// message with the model's name, reports usage, and answers 500 for the models named in FakeProvider:FailingModels.
/// </summary>
internal static class FakeProvider
{
    public static void Map(WebApplication app, IReadOnlyCollection<string> failing) =>
        app.MapPost("/fake-openai/v1/chat/completions", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))?.AsObject();
            var model = body?["model"]?.GetValue<string>() ?? "";
            if (failing.Contains(model))
            {
                return Results.Json(new { error = new { message = $"{model} is failing (FakeProvider:FailingModels)", type = "server_error" } }, statusCode: 500);
            }

            var last = body?["messages"]?.AsArray().LastOrDefault()?["content"]?.ToString() ?? "";
            return Results.Json(new
            {
                id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
                @object = "chat.completion",
                created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = $"[{model}] {last}" }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 20, completion_tokens = 8, total_tokens = 28 },
            });
        });
}
