using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint on a loopback port, for Microsoft.Extensions.AI's real OpenAI client:
/// it answers with usage, records every request, and fails (HTTP 500) or waits for the models it is told to.
/// </summary>
public sealed class FakeOpenAi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOpenAi(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The base address an OpenAI client takes (ends in <c>/v1</c>).</summary>
    public Uri Endpoint { get; }

    /// <summary>Every request body received, in order.</summary>
    public ConcurrentQueue<JsonObject> Requests { get; } = new();

    /// <summary>Models that answer 500.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new(StringComparer.Ordinal);

    /// <summary>Extra latency per model.</summary>
    public ConcurrentDictionary<string, TimeSpan> Delays { get; } = new(StringComparer.Ordinal);

    public static async Task<FakeOpenAi> StartAsync()
    {
        var port = ConsoleProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeOpenAi(app, new Uri($"http://127.0.0.1:{port}/v1"));
        app.MapPost("/v1/chat/completions", (Delegate)fake.AnswerAsync);
        await app.StartAsync();
        return fake;
    }

    private async Task<IResult> AnswerAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        Requests.Enqueue(body);
        var model = body["model"]?.GetValue<string>() ?? "";
        if (Delays.TryGetValue(model, out var delay))
        {
            await Task.Delay(delay);
        }

        if (Failing.ContainsKey(model))
        {
            return Results.Json(new { error = new { message = $"{model} is down", type = "server_error" } }, statusCode: 500);
        }

        var last = body["messages"]!.AsArray().Last()!["content"]!.ToString();
        if (body["stream"]?.GetValue<bool>() == true)
        {
            // Server-sent events as OpenAI streams them: content in pieces, then usage, then [DONE].
            context.Response.ContentType = "text/event-stream";
            var id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12];
            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            foreach (var piece in new[] { $"{model} says: ", last })
            {
                var chunk = new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { content = piece }, finish_reason = (string?)null } } };
                await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n");
            }

            var usage = new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage = new { prompt_tokens = 12, completion_tokens = 7, total_tokens = 19 } };
            await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(usage)}\n\ndata: [DONE]\n\n");
            return Results.Empty;
        }

        return Results.Json(new
        {
            id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..12],
            @object = "chat.completion",
            created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            model = model + "-2024-07-18", // providers answer with a dated name, as OpenAI does
            choices = new[] { new { index = 0, message = new { role = "assistant", content = $"{model} says: {last}" }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 12, completion_tokens = 7, total_tokens = 19, prompt_tokens_details = new { cached_tokens = 4 } },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
