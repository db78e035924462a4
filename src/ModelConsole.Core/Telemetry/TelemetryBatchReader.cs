using System.Text;
using System.Text.Json;

namespace ModelConsole.Core.Telemetry;

/// <summary>Why a body could not be read as a batch at all (then nothing is stored).</summary>
public enum BatchProblem
{
    None,
    NotABatch,
    TooManyEvents,
}

/// <summary>A batch as read: its events in order (each with its own reading errors) or the reason it is not one.</summary>
public sealed class TelemetryBatch
{
    public BatchProblem Problem { get; init; }
    public string? Detail { get; init; }
    public string? BatchId { get; init; }
    public IReadOnlyList<TelemetryEvent?> Events { get; init; } = [];

    /// <summary>Indexes of array elements that were not objects.</summary>
    public IReadOnlyList<int> NotObjects { get; init; } = [];
}

/// <summary>
/// Reads a telemetry batch straight from UTF-8 with <see cref="Utf8JsonReader"/>: a field of the wrong type rejects
/// its event (by index) instead of the whole batch, unknown properties are skipped, and bundle names repeated across
/// the batch are allocated once.
/// </summary>
public static class TelemetryBatchReader
{
    public const int MaxStringLength = 512;

    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    public static TelemetryBatch Read(ReadOnlySpan<byte> utf8, int maxEvents)
    {
        try
        {
            return ReadCore(utf8, maxEvents);
        }
        catch (JsonException ex)
        {
            return NotABatch($"The body is not valid JSON: {ex.Message}");
        }
    }

    private static TelemetryBatch ReadCore(ReadOnlySpan<byte> utf8, int maxEvents)
    {
        var reader = new Utf8JsonReader(utf8, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return NotABatch("The body must be a JSON object { batchId?, events: [...] }.");
        }

        string? batchId = null;
        List<TelemetryEvent?>? events = null;
        List<int> notObjects = [];
        var names = new NameCache();
        var sawBatchId = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("events"u8))
            {
                if (events is not null)
                {
                    return NotABatch("'events' appears more than once: a batch has one events array.");
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return NotABatch("'events' must be an array of events.");
                }

                events = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (events.Count == maxEvents)
                    {
                        return new TelemetryBatch { Problem = BatchProblem.TooManyEvents, Detail = $"A batch holds at most {maxEvents} events." };
                    }

                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        events.Add(ReadEvent(ref reader, names));
                    }
                    else
                    {
                        notObjects.Add(events.Count);
                        events.Add(null);
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("batchId"u8))
            {
                if (sawBatchId)
                {
                    return NotABatch("'batchId' appears more than once.");
                }

                sawBatchId = true;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= MaxStringLength)
                {
                    batchId = reader.GetString();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return NotABatch($"'batchId' must be a string of at most {MaxStringLength} characters.");
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return NotABatch("The body is not valid JSON.");
        }

        // Anything after the closing brace is not part of a batch.
        if (reader.Read())
        {
            return NotABatch("The body holds more than one JSON value.");
        }

        if (events is null)
        {
            return NotABatch("The body has no 'events' array.");
        }

        return new TelemetryBatch { BatchId = batchId, Events = events, NotObjects = notObjects };
    }

    private static TelemetryBatch NotABatch(string detail) => new() { Problem = BatchProblem.NotABatch, Detail = detail };

    private static TelemetryEvent ReadEvent(ref Utf8JsonReader reader, NameCache names)
    {
        var e = new TelemetryEvent();
        var seen = 0u;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Escaped property names are legal but rare; compare them unescaped.
            var field = reader.ValueIsEscaped ? FieldOf(Encoding.UTF8.GetBytes(reader.GetString()!)) : FieldOf(reader.ValueSpan);
            reader.Read();
            if (field != Field.Unknown && (seen & (1u << (int)field)) != 0)
            {
                // A field given twice is ambiguous: the event is refused rather than read as its last value.
                e.AddError(NameOf(field), "appears more than once in the event");
                reader.Skip();
                continue;
            }

            seen |= 1u << (int)field;
            switch (field)
            {
                case Field.RequestId: e.RequestId = ReadString(ref reader, e, "requestId"); break;
                case Field.Bundle: e.Bundle = ReadName(ref reader, e, names); break;
                case Field.Timestamp: e.Timestamp = ReadTimestamp(ref reader, e); break;
                case Field.LatencyMs: e.LatencyMs = ReadNumber(ref reader, e, "latencyMs"); break;
                case Field.InputTokens: e.InputTokens = ReadCount(ref reader, e, "inputTokens"); break;
                case Field.OutputTokens: e.OutputTokens = ReadCount(ref reader, e, "outputTokens"); break;
                case Field.CachedInputTokens: e.CachedInputTokens = ReadCount(ref reader, e, "cachedInputTokens"); break;
                case Field.CostUsd: e.CostUsd = ReadNumber(ref reader, e, "costUsd"); break;
                case Field.Success: e.Success = ReadBool(ref reader, e, "success"); break;
                case Field.ErrorType: e.ErrorType = ReadString(ref reader, e, "errorType"); break;
                case Field.QualityScore: e.QualityScore = ReadNumber(ref reader, e, "qualityScore"); break;
                case Field.Feedback: e.Feedback = ReadFeedback(ref reader, e); break;
                case Field.Subject: e.Subject = ReadString(ref reader, e, "subject"); break;
                case Field.OutputHash: e.OutputHash = ReadString(ref reader, e, "outputHash"); break;
                case Field.Agreement: e.Agreement = ReadNumber(ref reader, e, "agreement"); break;
                case Field.ShadowOf: e.ShadowOf = ReadString(ref reader, e, "shadowOf"); break;
                case Field.Provider: e.Provider = ReadString(ref reader, e, "provider"); break;
                case Field.ServedModel: e.ServedModel = ReadString(ref reader, e, "servedModel"); break;
                case Field.Simulated: e.Simulated = ReadBool(ref reader, e, "simulated") ?? false; break;
                default: reader.Skip(); break;
            }
        }

        return e;
    }

    private enum Field
    {
        Unknown,
        RequestId,
        Bundle,
        Timestamp,
        LatencyMs,
        InputTokens,
        OutputTokens,
        CachedInputTokens,
        CostUsd,
        Success,
        ErrorType,
        QualityScore,
        Feedback,
        Subject,
        OutputHash,
        Agreement,
        ShadowOf,
        Provider,
        ServedModel,
        Simulated,
    }

    private static string NameOf(Field field)
    {
        var name = field.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static Field FieldOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("requestId"u8) => Field.RequestId,
        _ when name.SequenceEqual("bundle"u8) => Field.Bundle,
        _ when name.SequenceEqual("timestamp"u8) => Field.Timestamp,
        _ when name.SequenceEqual("latencyMs"u8) => Field.LatencyMs,
        _ when name.SequenceEqual("inputTokens"u8) => Field.InputTokens,
        _ when name.SequenceEqual("outputTokens"u8) => Field.OutputTokens,
        _ when name.SequenceEqual("cachedInputTokens"u8) => Field.CachedInputTokens,
        _ when name.SequenceEqual("costUsd"u8) => Field.CostUsd,
        _ when name.SequenceEqual("success"u8) => Field.Success,
        _ when name.SequenceEqual("errorType"u8) => Field.ErrorType,
        _ when name.SequenceEqual("qualityScore"u8) => Field.QualityScore,
        _ when name.SequenceEqual("feedback"u8) => Field.Feedback,
        _ when name.SequenceEqual("subject"u8) => Field.Subject,
        _ when name.SequenceEqual("outputHash"u8) => Field.OutputHash,
        _ when name.SequenceEqual("agreement"u8) => Field.Agreement,
        _ when name.SequenceEqual("shadowOf"u8) => Field.ShadowOf,
        _ when name.SequenceEqual("provider"u8) => Field.Provider,
        _ when name.SequenceEqual("servedModel"u8) => Field.ServedModel,
        _ when name.SequenceEqual("simulated"u8) => Field.Simulated,
        _ => Field.Unknown,
    };

    private static string? ReadString(ref Utf8JsonReader reader, TelemetryEvent e, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String when reader.ValueSpan.Length <= MaxStringLength * 6:
                return reader.GetString();
            case JsonTokenType.String:
                e.AddError(field, $"must be at most {MaxStringLength} characters");
                return null;
            default:
                e.AddError(field, "must be a string");
                reader.Skip();
                return null;
        }
    }

    private static string? ReadName(ref Utf8JsonReader reader, TelemetryEvent e, NameCache names)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxStringLength)
        {
            return names.Get(reader.ValueSpan);
        }

        return ReadString(ref reader, e, "bundle");
    }

    private static double? ReadNumber(ref Utf8JsonReader reader, TelemetryEvent e, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetDouble(out var value) && double.IsFinite(value):
                return value;
            case JsonTokenType.Number:
                e.AddError(field, "must be a finite number");
                return null;
            case JsonTokenType.String:
                // NaN and Infinity arrive as strings from serializers that allow named literals.
                e.AddError(field, "must be a finite number, not a string");
                return null;
            default:
                e.AddError(field, "must be a number");
                reader.Skip();
                return null;
        }
    }

    private static long? ReadCount(ref Utf8JsonReader reader, TelemetryEvent e, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt64(out var value):
                return value;
            case JsonTokenType.Number:
                e.AddError(field, "must be a whole number of tokens");
                return null;
            default:
                e.AddError(field, "must be a whole number of tokens");
                reader.Skip();
                return null;
        }
    }

    private static bool? ReadBool(ref Utf8JsonReader reader, TelemetryEvent e, string field)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.Null:
                return null;
            default:
                e.AddError(field, "must be true or false");
                reader.Skip();
                return null;
        }
    }

    private static DateTime? ReadTimestamp(ref Utf8JsonReader reader, TelemetryEvent e)
    {
        if (reader.TokenType == JsonTokenType.String && HasOffset(reader.ValueSpan) && reader.TryGetDateTimeOffset(out var value))
        {
            return value.UtcDateTime;
        }

        if (reader.TokenType != JsonTokenType.Null)
        {
            e.AddError("timestamp", "must be an ISO-8601 time with an offset, e.g. 2026-11-25T10:00:00Z");
            reader.Skip();
        }

        return null;
    }

    // A time without an offset would be read in the server's zone: refuse it rather than guess.
    private static bool HasOffset(ReadOnlySpan<byte> text) =>
        text.Length > 10 && (text[^1] is (byte)'Z' or (byte)'z' || text[10..].LastIndexOfAny((byte)'+', (byte)'-') > 0);

    private static Feedback ReadFeedback(ref Utf8JsonReader reader, TelemetryEvent e)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return Feedback.None;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("positive"u8))
            {
                return Feedback.Positive;
            }

            if (reader.ValueTextEquals("negative"u8))
            {
                return Feedback.Negative;
            }
        }

        e.AddError("feedback", "must be \"positive\", \"negative\" or null");
        reader.Skip();
        return Feedback.None;
    }

    /// <summary>Bundle names seen in this batch: most batches name a handful, so a linear scan beats hashing.</summary>
    private sealed class NameCache
    {
        private readonly List<(byte[] Utf8, string Name)> _names = [];

        public string Get(ReadOnlySpan<byte> utf8)
        {
            foreach (var (bytes, name) in _names)
            {
                if (utf8.SequenceEqual(bytes))
                {
                    return name;
                }
            }

            var created = Encoding.UTF8.GetString(utf8);
            if (_names.Count < 64)
            {
                _names.Add((utf8.ToArray(), created));
            }

            return created;
        }
    }
}
