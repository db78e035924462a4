using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelConsole.Web.Api;

/// <summary>
/// The HTTP edge of JSON bodies: a body under /api/v1 must say it is JSON (415 otherwise, instead of the "no endpoint"
/// 404 that a content-type mismatch used to fall through to), and no answer ever carries a non-finite number.
/// </summary>
public static class JsonBodies
{
    /// <summary>Answers 415 for a body under /api/v1 whose Content-Type is missing or not JSON.</summary>
    public static IApplicationBuilder UseJsonBodies(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api/v1") && HasBody(request) && !IsJson(request.ContentType))
        {
            await ApiProblems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type.",
                $"The body must be JSON, sent with Content-Type: application/json (it was {(string.IsNullOrEmpty(request.ContentType) ? "missing" : $"'{ApiProblems.Clip(request.ContentType)}'")}).");
            return;
        }

        // Every JSON body but telemetry's (which keeps Telemetry:MaxBodyBytes) is at most 1 MB: refused by its declared
        // length before anything is read, and by Kestrel's count while reading a body sent without one.
        if ((request.Path.StartsWithSegments("/api/v1") || request.Path.StartsWithSegments("/ofrep")) && HasBody(request)
            && !request.Path.StartsWithSegments("/api/v1/telemetry"))
        {
            if (request.ContentLength > MaxBodyBytes)
            {
                await ApiProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "The body is too large.",
                    $"JSON bodies are at most {MaxBodyBytes:N0} bytes (this one is {request.ContentLength:N0}). Nothing was changed.");
                return;
            }

            if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = MaxBodyBytes;
            }
        }

        await next(context);
    });

    /// <summary>The largest JSON body the API reads, telemetry apart.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    private static bool HasBody(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method))
        && (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0));

    private static bool IsJson(string? contentType) =>
        contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));


    /// <summary>Writes NaN and ±∞ as null: a number that is not one never reaches an answer (and never fails it).</summary>
    public sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value) ? value : throw new JsonException("Expected a number.");

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
