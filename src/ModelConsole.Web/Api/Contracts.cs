using System.Text.Json;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;

namespace ModelConsole.Web.Api;

public sealed record CreateFamilyRequest(string? Name, string? Description, string? Owner);

public sealed record PricingRequest(double? InputPerMillion, double? OutputPerMillion, double? CachedInputPerMillion);

public sealed record BaselineRequest(
    long? Samples,
    double? ErrorRate,
    double? QualityMean,
    double? QualityStdDev,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    double? CostPerCallUsd,
    double? CostPerCallStdDevUsd,
    double? NegativeFeedbackRate,
    double? OutputTokensMean = null,
    double? OutputTokensStdDev = null);

public sealed record FallbackRequest(string? Provider, string? ModelId);

public sealed record RegisterBundleRequest(
    string? Name,
    string? Family,
    string? Provider,
    string? ModelId,
    string? Prompt,
    JsonElement? Config,
    string? Parent,
    string? Justification,
    PricingRequest? Pricing,
    BaselineRequest? Baseline,
    List<FallbackRequest?>? Fallbacks,
    string? Notes)
{
    /// <summary>Maps the wire shape to a draft; what the wire shape alone can get wrong goes into <paramref name="errors"/>.</summary>
    public BundleDraft ToDraft(ValidationErrors errors)
    {
        Pricing? pricing = null;
        if (Pricing is { } p)
        {
            if (p.InputPerMillion is null)
            {
                errors.Add("pricing.inputPerMillion", "The input price per million tokens is required with pricing.");
            }

            if (p.OutputPerMillion is null)
            {
                errors.Add("pricing.outputPerMillion", "The output price per million tokens is required with pricing.");
            }

            pricing = new Pricing(p.InputPerMillion ?? 0, p.OutputPerMillion ?? 0, p.CachedInputPerMillion);
        }

        var baseline = Baseline is { } b
            ? new Baseline(b.Samples, b.ErrorRate, b.QualityMean, b.QualityStdDev, b.LatencyP50Ms, b.LatencyP95Ms,
                b.CostPerCallUsd, b.CostPerCallStdDevUsd, b.NegativeFeedbackRate, b.OutputTokensMean, b.OutputTokensStdDev)
            : null;
        var fallbacks = Fallbacks?.Select(f => new FallbackTarget(f?.Provider!, f?.ModelId!)).ToList();
        var config = Config is { ValueKind: JsonValueKind.Null } ? null : Config;
        return new BundleDraft(Name, Family, Provider, ModelId, Prompt, config, Parent, Justification, pricing, baseline, fallbacks, Notes);
    }
}
