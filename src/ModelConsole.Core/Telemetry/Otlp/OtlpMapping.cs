namespace ModelConsole.Core.Telemetry.Otlp;

/// <summary>What became of one span: a telemetry event, ignored (not a model call), or rejected with a reason.</summary>
public enum SpanVerdict
{
    Event,
    Ignored,
    Rejected,
}

/// <summary>One span's mapping: its event when it is one, else the reason; the bundle it named, when it named one.</summary>
public readonly record struct SpanMapping(SpanVerdict Verdict, TelemetryEvent? Event, string? Reason, string? Bundle)
{
    public static SpanMapping Ignore(string reason) => new(SpanVerdict.Ignored, null, reason, null);

    public static SpanMapping Reject(string reason, string? bundle = null) => new(SpanVerdict.Rejected, null, reason, bundle);
}

/// <summary>
/// The OpenTelemetry intake's mapping (API.md "OpenTelemetry intake"): which spans are GenAI model calls, and how one
/// becomes a telemetry event — the current GenAI semantic-convention attribute names first, then the deprecated
/// ones older instrumentations still emit. Everything else about a span is ignored.
/// </summary>
public static class OtlpMapping
{
    public const string BundleAttribute = "modelconsole.bundle";
    public const string RequestIdAttribute = "modelconsole.request_id";
    public const string SubjectAttribute = "modelconsole.subject";
    public const string ShadowOfAttribute = "modelconsole.shadow_of";
    public const string EvaluationEvent = "gen_ai.evaluation.result";
    public const string EvaluationScore = "gen_ai.evaluation.score.value";

    public const string NotGenAi = "not a GenAI span";
    public const string NoBundle = "no bundle (set modelconsole.bundle on the span or its resource)";
    public const string BadIds = "trace id or span id of the wrong length";
    public const string NoStart = "no start time";
    public const string EndsBeforeStart = "ends before it starts";

    /// <summary>The GenAI operations that are calls of a model; agents' and tools' spans are not (their model calls are spans of their own).</summary>
    public static readonly IReadOnlySet<string> ModelOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "chat", "text_completion", "generate_content", "embeddings",
    };

    /// <summary>OFREP's variant names: a span of the console's own OpenFeature flag names the bundle in its value.</summary>
    private static readonly HashSet<string> OfrepVariants = new HashSet<string>(StringComparer.Ordinal)
    {
        "active", "canary", "experiment-a", "experiment-b",
    };

    /// <param name="span">The span, with its resource's attributes.</param>
    /// <param name="isFamily">Whether a name is a family's (for spans that carry an OpenFeature evaluation).</param>
    public static SpanMapping Map(OtlpSpan span, Func<string, bool> isFamily)
    {
        ArgumentNullException.ThrowIfNull(span);
        ArgumentNullException.ThrowIfNull(isFamily);
        var operation = Text(span, "gen_ai.operation.name");
        var system = Text(span, "gen_ai.system");
        if (operation is null && system is null)
        {
            return SpanMapping.Ignore(NotGenAi);
        }

        if (operation is not null && !ModelOperations.Contains(operation))
        {
            return SpanMapping.Ignore($"not a model call ({Clip(operation)})");
        }

        var bundle = BundleOf(span, isFamily);
        if (span.TraceId.Length != 16 || span.SpanId.Length != 8)
        {
            return SpanMapping.Reject(BadIds, bundle);
        }

        if (bundle is null)
        {
            return SpanMapping.Reject(NoBundle);
        }

        if (span.StartTimeUnixNano == 0)
        {
            return SpanMapping.Reject(NoStart, bundle);
        }

        if (span.EndTimeUnixNano < span.StartTimeUnixNano)
        {
            return SpanMapping.Reject(EndsBeforeStart, bundle);
        }

        var e = new TelemetryEvent
        {
            RequestId = Text(span, RequestIdAttribute) ?? $"{Convert.ToHexStringLower(span.TraceId)}-{Convert.ToHexStringLower(span.SpanId)}",
            Bundle = bundle,
            Timestamp = DateTime.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100)),
            LatencyMs = (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1e6,
            Provider = Text(span, "gen_ai.provider.name") ?? system,
            ServedModel = Text(span, "gen_ai.request.model") ?? Text(span, "gen_ai.response.model"),
            Subject = Text(span, SubjectAttribute) ?? Text(span, "feature_flag.context.id") ?? Text(span, "gen_ai.conversation.id"),
            ShadowOf = Text(span, ShadowOfAttribute),
            QualityScore = QualityOf(span),
        };
        e.InputTokens = Tokens(span, e, "inputTokens", "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens") ?? 0;
        e.OutputTokens = Tokens(span, e, "outputTokens", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens") ?? 0;
        e.CachedInputTokens = Tokens(span, e, "cachedInputTokens", "gen_ai.usage.cache_read.input_tokens", null);
        var errorType = Text(span, "error.type");
        e.Success = span.Status != OtlpStatusCode.Error && errorType is null;
        e.ErrorType = e.Success == true ? null : errorType ?? "error";
        return new SpanMapping(SpanVerdict.Event, e, null, bundle);
    }

    private static string? BundleOf(OtlpSpan span, Func<string, bool> isFamily)
    {
        if (Text(span, BundleAttribute) is { } named)
        {
            return named;
        }

        if (span.ResourceAttributes.TryGetValue(BundleAttribute, out var resource) && resource is { Kind: OtlpValueKind.String, Text.Length: > 0 })
        {
            return resource.Text;
        }

        if (Text(span, "feature_flag.key") is { } flag && isFamily(flag))
        {
            var variant = Text(span, "feature_flag.result.variant");
            return variant is not null && !OfrepVariants.Contains(variant) ? variant : Text(span, "feature_flag.result.value");
        }

        return null;
    }

    /// <summary>The first evaluation event's score in [0, 1]; scores on other scales are not a quality score.</summary>
    private static double? QualityOf(OtlpSpan span)
    {
        foreach (var e in span.Events)
        {
            if (e.Name == EvaluationEvent && e.Attributes.TryGetValue(EvaluationScore, out var score))
            {
                var value = score.Kind switch { OtlpValueKind.Double => score.Real, OtlpValueKind.Int => score.Integer, _ => double.NaN };
                if (value is >= 0 and <= 1)
                {
                    return value;
                }
            }
        }

        return null;
    }

    /// <summary>A token count: an integer (or an integral double); anything else is a reading error on the event.</summary>
    private static long? Tokens(OtlpSpan span, TelemetryEvent e, string field, string current, string? deprecated)
    {
        if (!span.Attributes.TryGetValue(current, out var value) && (deprecated is null || !span.Attributes.TryGetValue(deprecated, out value)))
        {
            return null;
        }

        switch (value.Kind)
        {
            case OtlpValueKind.Int:
                return value.Integer;
            case OtlpValueKind.Double when value.Real == Math.Floor(value.Real) && Math.Abs(value.Real) < 1e15:
                return (long)value.Real;
            default:
                e.AddError(field, "is not a whole number of tokens");
                return null;
        }
    }

    private static string? Text(OtlpSpan span, string key) =>
        span.Attributes.TryGetValue(key, out var value) && value is { Kind: OtlpValueKind.String, Text.Length: > 0 } ? value.Text : null;

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
