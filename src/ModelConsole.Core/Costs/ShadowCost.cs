using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Costs;

/// <summary>
/// The <c>POST /planner/shadow-cost</c> request: traffic, the mirrored percent, how many days, the shadow bundle's
/// cost per call and, when known, the active bundle's (which the bill pays anyway).
/// </summary>
public sealed record ShadowCostRequest(
    double RequestsPerDay,
    double MirrorPercent,
    double Days,
    double ShadowCostPerCallUsd,
    double? ActiveCostPerCallUsd = null);

/// <summary>
/// The <c>POST /planner/shadow-cost</c> answer in USD. The active and total figures are null when the active
/// bundle's cost per call was not given: the shadow's cost alone is not the bill.
/// </summary>
public sealed record ShadowCostResult(
    double ShadowCallsPerDay,
    double ShadowCostPerDay,
    double? ActiveCostPerDay,
    double? TotalCostPerDay,
    double ShadowCostTotal,
    double? TotalCostTotal);

/// <summary>
/// What shadowing costs: every mirrored request is served a second time by the shadow bundle, so the shadow costs
/// requests/day × mirror fraction × its cost per call, on top of the active bundle serving everything. The bill
/// doubles only at 100 % mirroring with equal costs per call.
/// </summary>
public static class ShadowCost
{
    public static ShadowCostResult Estimate(ShadowCostRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Guard.NonNegative(request.RequestsPerDay, "requestsPerDay");
        Guard.Percent(request.MirrorPercent, "mirrorPercent", allowHundred: true);
        Guard.NonNegative(request.Days, "days");
        Guard.NonNegative(request.ShadowCostPerCallUsd, "costPerCallUsd");

        var shadowCalls = request.RequestsPerDay * request.MirrorPercent / 100;
        var shadowPerDay = shadowCalls * request.ShadowCostPerCallUsd;

        double? activePerDay = null;
        if (request.ActiveCostPerCallUsd is { } activeCost)
        {
            Guard.NonNegative(activeCost, "activeCostPerCallUsd");
            activePerDay = request.RequestsPerDay * activeCost;
        }

        var totalPerDay = activePerDay + shadowPerDay;
        return new ShadowCostResult(shadowCalls, shadowPerDay, activePerDay, totalPerDay,
            shadowPerDay * request.Days, totalPerDay * request.Days);
    }
}
