using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Costs;

/// <summary>A canary's cost question: traffic, the candidate's share in percent, how many days, and both bundles' cost per call in USD.</summary>
public sealed record CanaryCostRequest(
    double RequestsPerDay,
    double SharePercent,
    double Days,
    double CandidateCostPerCallUsd,
    double ActiveCostPerCallUsd);

/// <summary>The canary's effect on the bill in USD: positive when the candidate costs more than the active bundle, negative when it saves.</summary>
public sealed record CanaryCostResult(double CanaryCallsPerDay, double ChangePerDay, double ChangeTotal);

/// <summary>
/// What a canary changes in the bill: its share of the traffic is served by the candidate instead of the active
/// bundle (not in addition, unlike a shadow), so the change per day is requests/day × share × (candidate's cost per
/// call − active's).
/// </summary>
public static class CanaryCost
{
    public static CanaryCostResult Estimate(CanaryCostRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Guard.NonNegative(request.RequestsPerDay, "requestsPerDay");
        Guard.Percent(request.SharePercent, "sharePercent", allowHundred: true);
        Guard.NonNegative(request.Days, "days");
        Guard.NonNegative(request.CandidateCostPerCallUsd, "candidateCostPerCallUsd");
        Guard.NonNegative(request.ActiveCostPerCallUsd, "activeCostPerCallUsd");

        var calls = request.RequestsPerDay * request.SharePercent / 100;
        var changePerDay = calls * (request.CandidateCostPerCallUsd - request.ActiveCostPerCallUsd);
        return new CanaryCostResult(calls, changePerDay, changePerDay * request.Days);
    }
}
