using System.Globalization;
using System.Text.Json;

namespace ModelConsole.Core.Telemetry.Otlp;

/// <summary>
/// Reads an OTLP <c>ExportTraceServiceRequest</c> in OTLP's JSON encoding (the protobuf JSON mapping with OTLP's
/// exceptions: lowerCamelCase names, trace and span ids as hex, 64-bit integers as strings or numbers, enums as
/// integers), and writes its answers. Unknown fields are ignored, as OTLP requires.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    public static OtlpTraces Read(ReadOnlyMemory<byte> utf8, int maxSpans)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8, Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return OtlpTraces.Undecodable("The body is not a JSON object.");
            }

            var spans = new List<OtlpSpan>();
            foreach (var resourceSpans in Array(root, "resourceSpans"))
            {
                var resource = Attributes(Object(resourceSpans, "resource"), "attributes");
                foreach (var scopeSpans in Array(resourceSpans, "scopeSpans"))
                {
                    foreach (var element in Array(scopeSpans, "spans"))
                    {
                        if (spans.Count == maxSpans)
                        {
                            return OtlpTraces.TooMany(maxSpans);
                        }

                        var span = Span(element);
                        span.ResourceAttributes = resource;
                        spans.Add(span);
                    }
                }
            }

            return new OtlpTraces { Spans = spans };
        }
        catch (JsonException ex)
        {
            return OtlpTraces.Undecodable($"The body is not valid JSON: {ex.Message}");
        }
        catch (FormatException ex)
        {
            return OtlpTraces.Undecodable(ex.Message);
        }
    }

    private static OtlpSpan Span(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A span is not a JSON object.");
        }

        var span = new OtlpSpan
        {
            TraceId = Hex(element, "traceId"),
            SpanId = Hex(element, "spanId"),
            Name = Text(element, "name") ?? string.Empty,
            StartTimeUnixNano = Unsigned(element, "startTimeUnixNano"),
            EndTimeUnixNano = Unsigned(element, "endTimeUnixNano"),
        };
        foreach (var (key, value) in Attributes(element, "attributes"))
        {
            span.Attributes[key] = value;
        }

        foreach (var e in Array(element, "events"))
        {
            var spanEvent = new OtlpSpanEvent { Name = Text(e, "name") ?? string.Empty, TimeUnixNano = Unsigned(e, "timeUnixNano") };
            foreach (var (key, value) in Attributes(e, "attributes"))
            {
                spanEvent.Attributes[key] = value;
            }

            span.Events.Add(spanEvent);
        }

        if (Object(element, "status") is { } status)
        {
            span.StatusMessage = Text(status, "message");
            span.Status = status.TryGetProperty("code", out var code) ? (OtlpStatusCode)(int)Signed(code, "status.code") : OtlpStatusCode.Unset;
        }

        return span;
    }

    private static Dictionary<string, OtlpValue> Attributes(JsonElement? owner, string name)
    {
        var attributes = new Dictionary<string, OtlpValue>(StringComparer.Ordinal);
        if (owner is not { } element)
        {
            return attributes;
        }

        foreach (var kv in Array(element, name))
        {
            if (Text(kv, "key") is { Length: > 0 } key)
            {
                attributes[key] = Object(kv, "value") is { } value ? Value(value) : OtlpValue.Other;
            }
        }

        return attributes;
    }

    private static OtlpValue Value(JsonElement value)
    {
        if (value.TryGetProperty("stringValue", out var text) && text.ValueKind == JsonValueKind.String)
        {
            return OtlpValue.Of(text.GetString()!);
        }

        if (value.TryGetProperty("intValue", out var integer))
        {
            return OtlpValue.Of(Signed(integer, "intValue"));
        }

        if (value.TryGetProperty("doubleValue", out var real))
        {
            return real.ValueKind == JsonValueKind.Number ? OtlpValue.Of(real.GetDouble())
                : real.ValueKind == JsonValueKind.String && double.TryParse(real.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? OtlpValue.Of(parsed)
                : throw new FormatException("doubleValue is not a number.");
        }

        if (value.TryGetProperty("boolValue", out var flag) && flag.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return OtlpValue.Of(flag.GetBoolean());
        }

        return OtlpValue.Other;
    }

    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    private static JsonElement.ArrayEnumerator Array(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var array)
            ? array.ValueKind == JsonValueKind.Array ? array.EnumerateArray()
            : array.ValueKind == JsonValueKind.Null ? EmptyArray.EnumerateArray() : throw new FormatException($"{name} is not an array.")
            : EmptyArray.EnumerateArray();

    private static JsonElement? Object(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string? Text(JsonElement owner, string name) =>
        owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A hex id; anything else (base64, odd length, not hex) reads as no id, which the mapping rejects by span.</summary>
    private static byte[] Hex(JsonElement owner, string name)
    {
        var text = Text(owner, name);
        if (string.IsNullOrEmpty(text) || text.Length % 2 != 0)
        {
            return [];
        }

        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static ulong Unsigned(JsonElement owner, string name)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty(name, out var value))
        {
            return 0;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetUInt64(out var n) => n,
            JsonValueKind.String when ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
            _ => throw new FormatException($"{name} is not an unsigned 64-bit integer."),
        };
    }

    private static long Signed(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new FormatException($"{name} is not a 64-bit integer."),
    };

    /// <summary>
    /// <c>ExportTraceServiceResponse</c> in JSON: <c>{}</c> when every span was taken, else
    /// <c>{"partialSuccess":{"rejectedSpans":"N","errorMessage":"…"}}</c>.
    /// </summary>
    public static byte[] Response(long rejectedSpans, string? errorMessage)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            if (rejectedSpans != 0 || !string.IsNullOrEmpty(errorMessage))
            {
                writer.WriteStartObject("partialSuccess");
                writer.WriteString("rejectedSpans", rejectedSpans.ToString(CultureInfo.InvariantCulture));
                writer.WriteString("errorMessage", errorMessage ?? string.Empty);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary><c>google.rpc.Status</c> in JSON, the body of an error answer.</summary>
    public static byte[] Status(int code, string message)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("code", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
