using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Costs;

/// <summary>
/// What one call costs in USD from its token counts and the bundle's <see cref="Pricing"/> (per million tokens):
/// (input − cached) × input price + cached × cached price + output × output price, since cached tokens are part of
/// the input tokens. Token counts may be averages, hence fractional.
/// </summary>
public static class CallCost
{
    public const double TokensPerPrice = 1_000_000;

    /// <summary>
    /// The cost of one call. A pricing without a cached-input price charges cached tokens at the input price: a
    /// provider that lists no discount gives none, and over-estimating a cost is the safer mistake for a planner.
    /// </summary>
    public static double PerCall(Pricing pricing, double inputTokens, double outputTokens, double cachedInputTokens = 0)
    {
        ArgumentNullException.ThrowIfNull(pricing);
        Guard.NonNegative(pricing.InputPerMillion, "inputPerMillion");
        Guard.NonNegative(pricing.OutputPerMillion, "outputPerMillion");
        if (pricing.CachedInputPerMillion is { } cachedPrice)
        {
            Guard.NonNegative(cachedPrice, "cachedInputPerMillion");
        }

        Guard.NonNegative(inputTokens, nameof(inputTokens));
        Guard.NonNegative(outputTokens, nameof(outputTokens));
        Guard.NonNegative(cachedInputTokens, nameof(cachedInputTokens));
        if (cachedInputTokens > inputTokens)
        {
            throw new InputOutOfRangeException(nameof(cachedInputTokens), cachedInputTokens,
                $"cachedInputTokens are part of the input tokens, so at most inputTokens ({inputTokens}).");
        }

        var cachedPerMillion = pricing.CachedInputPerMillion ?? pricing.InputPerMillion;
        return ((inputTokens - cachedInputTokens) * pricing.InputPerMillion
                + cachedInputTokens * cachedPerMillion
                + outputTokens * pricing.OutputPerMillion) / TokensPerPrice;
    }
}
