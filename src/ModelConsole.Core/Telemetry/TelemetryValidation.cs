using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Telemetry;

/// <summary>The per-event rules of API.md "Telemetry": what makes one event acceptable, independent of the others.</summary>
public static class TelemetryValidation
{
    public const int MaxEventsPerBatch = 10_000;
    public const int MaxRequestIdLength = 128;
    public const int MaxSubjectLength = 256;
    public const int MaxOutputHashLength = 128;
    public const int MaxErrorTypeLength = 64;
    public const int MaxProviderLength = BundleRegistration.MaxPartLength;
    public const long MaxTokens = 100_000_000;

    /// <summary>A day: a longer "latency" is a unit mistake, not a slow call.</summary>
    public const double MaxLatencyMs = 86_400_000;

    /// <summary>
    /// The event's errors keyed by field (reading errors included), or null when it is acceptable. A timestamp may
    /// lie in the past (late events count in their own minute) but at most <paramref name="maxClockSkew"/> ahead.
    /// </summary>
    public static ValidationErrors? Check(TelemetryEvent e, TelemetryBundle? bundle, DateTime now, TimeSpan maxClockSkew)
    {
        var errors = e.Errors;
        void Add(string field, string message)
        {
            if (errors?.Has(field) != true)
            {
                (errors ??= new()).Add(field, message);
            }
        }

        Text(e.RequestId, "requestId", MaxRequestIdLength, required: true, Add);
        Text(e.Subject, "subject", MaxSubjectLength, required: false, Add);
        Text(e.OutputHash, "outputHash", MaxOutputHashLength, required: false, Add);
        Text(e.ErrorType, "errorType", MaxErrorTypeLength, required: false, Add);
        Text(e.ShadowOf, "shadowOf", MaxRequestIdLength, required: false, Add);
        Text(e.Provider, "provider", MaxProviderLength, required: false, Add);
        Text(e.ServedModel, "servedModel", MaxProviderLength, required: false, Add);

        if (string.IsNullOrEmpty(e.Bundle))
        {
            Add("bundle", "is required");
        }
        else if (bundle is null)
        {
            Add("bundle", $"there is no bundle named '{Clip(e.Bundle)}'");
        }

        if (e.Timestamp is null)
        {
            Add("timestamp", "is required");
        }
        else if (e.Timestamp.Value > now + maxClockSkew)
        {
            Add("timestamp", $"is more than {maxClockSkew.TotalMinutes:0} minutes ahead of the console's clock");
        }

        if (e.LatencyMs is null)
        {
            Add("latencyMs", "is required");
        }
        else if (e.LatencyMs < 0 || e.LatencyMs > MaxLatencyMs)
        {
            Add("latencyMs", $"must be between 0 and {MaxLatencyMs:0} ms");
        }

        Tokens(e.InputTokens, "inputTokens", required: true, Add);
        Tokens(e.OutputTokens, "outputTokens", required: true, Add);
        Tokens(e.CachedInputTokens, "cachedInputTokens", required: false, Add);
        if (e.CachedInputTokens > e.InputTokens)
        {
            Add("cachedInputTokens", "must not exceed inputTokens (cached tokens are part of the input)");
        }

        if (e.CostUsd is < 0 or > Limits.MaxCostPerCallUsd)
        {
            Add("costUsd", $"must be between 0 and {Limits.MaxCostPerCallUsd:N0} USD");
        }
        else if (e.CostUsd is null && bundle?.Pricing is { } pricing && errors?.Has("inputTokens") != true && errors?.Has("outputTokens") != true
                 && errors?.Has("cachedInputTokens") != true && CostOf(e, pricing) > Limits.MaxCostPerCallUsd)
        {
            Add("costUsd", $"the bundle's prices make this call cost more than {Limits.MaxCostPerCallUsd:N0} USD: check its tokens");
        }

        if (e.Success is null)
        {
            Add("success", "is required");
        }

        Fraction(e.QualityScore, "qualityScore", Add);
        Fraction(e.Agreement, "agreement", Add);
        if (e.ShadowOf is not null && e.ShadowOf == e.RequestId)
        {
            Add("shadowOf", "must name the primary request, not the shadow itself");
        }

        return errors;
    }

    /// <summary>
    /// The rules for a score or feedback sent after its call: a request id and a registered bundle, and at least one
    /// of a quality score in [0, 1] or the feedback <c>positive</c> / <c>negative</c>.
    /// </summary>
    public static ValidationErrors CheckAnnotation(string? requestId, string? bundle, bool bundleKnown, double? qualityScore, string? feedback, out Feedback parsed)
    {
        var errors = new ValidationErrors();
        Text(requestId, "requestId", MaxRequestIdLength, required: true, errors.Add);
        if (string.IsNullOrEmpty(bundle))
        {
            errors.Add("bundle", "is required");
        }
        else if (!bundleKnown)
        {
            errors.Add("bundle", $"there is no bundle named '{Clip(bundle)}'");
        }

        Fraction(qualityScore, "qualityScore", errors.Add);
        parsed = feedback switch
        {
            null => Feedback.None,
            "positive" => Feedback.Positive,
            "negative" => Feedback.Negative,
            _ => Feedback.None,
        };
        if (feedback is not null && parsed == Feedback.None)
        {
            errors.Add("feedback", "must be \"positive\" or \"negative\"");
        }

        if (qualityScore is null && feedback is null)
        {
            errors.Add("qualityScore", "give a qualityScore, a feedback or both");
        }

        return errors;
    }

    /// <summary>The event's cost: the reported one, else the bundle's prices applied to its tokens, else unknown.</summary>
    public static double? CostOf(TelemetryEvent e, Pricing? pricing)
    {
        if (e.CostUsd is { } reported)
        {
            return reported;
        }

        // Validation ran first, so tokens are non-negative and cached ≤ input, as the cost model requires.
        return pricing is null ? null : Costs.CallCost.PerCall(pricing, e.InputTokens ?? 0, e.OutputTokens ?? 0, e.CachedInputTokens ?? 0);
    }

    private static void Text(string? value, string field, int max, bool required, Action<string, string> add)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                add(field, "is required");
            }
        }
        else if (value.Length > max)
        {
            add(field, $"must be at most {max} characters");
        }
    }

    private static void Tokens(long? value, string field, bool required, Action<string, string> add)
    {
        if (value is null)
        {
            if (required)
            {
                add(field, "is required");
            }
        }
        else if (value < 0 || value > MaxTokens)
        {
            add(field, $"must be between 0 and {MaxTokens:N0}");
        }
    }

    private static void Fraction(double? value, string field, Action<string, string> add)
    {
        if (value is < 0 or > 1)
        {
            add(field, "must be between 0 and 1");
        }
    }

    private static string Clip(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
