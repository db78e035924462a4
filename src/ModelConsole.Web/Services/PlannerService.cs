using ModelConsole.Core.Bundles;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A candidate of a family the planner can price and attach a plan to.</summary>
public sealed record PlannerCandidate(string Name, string Stage, double? Percent, long? PlannedSamples, double? CostPerCallUsd);

/// <summary>
/// What the planner can prefill from a family: its traffic per day and error rate from the active bundle's last day
/// of rollups, costs per call (measured, else the bundle's prices at the active bundle's average tokens), and the
/// candidates a plan can be attached to. Every number is null when it is not known.
/// </summary>
public sealed record PlannerFacts(
    string Family,
    string? Active,
    double? RequestsPerDay,
    double? ErrorRate,
    double? QualityMean,
    double? QualityStdDev,
    double? ActiveCostPerCallUsd,
    IReadOnlyList<PlannerCandidate> Candidates);

public sealed record PlanAttachResult(bool NotFound, string? Conflict);

/// <summary>The planner's server side: prefill facts from live data, and attaching a plan to a candidate.</summary>
public sealed class PlannerService(RegistryStore registry, TelemetryStore telemetry, TelemetryService catalog, PipelineStore pipeline, TimeProvider clock)
{
    public const long MaxPlannedSamples = 1_000_000_000_000;

    /// <summary>Estimates use at least an hour of data, so a first minute of traffic is not multiplied by 1,440.</summary>
    private const double MinMinutesObserved = 60;

    public async Task<PlanAttachResult> AttachAsync(string bundle, long perArm, string? note, string actor, CancellationToken cancellationToken)
    {
        var (found, conflict) = await pipeline.AttachPlanAsync(bundle, perArm, note, actor, cancellationToken);
        return new PlanAttachResult(!found, conflict);
    }

    public async Task<PlannerFacts?> FactsAsync(string family, CancellationToken cancellationToken)
    {
        var bundles = await registry.ListPricedBundlesAsync(family, cancellationToken);
        if (bundles.Count == 0 && await registry.GetFamilyAsync(family, cancellationToken) is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var active = bundles.FirstOrDefault(b => b.Stage == "ACTIVE");
        MinuteRollup? day = null;
        double? minutes = null;
        if (active is not null && await catalog.FindBundleAsync(active.Name, cancellationToken) is { } ref1)
        {
            // The last day folded in the database; its first minute with data says how long it observed.
            day = (await telemetry.ReadWindowTotalsAsync([ref1.Id], now.AddDays(-1), now.AddMinutes(1), cancellationToken)).GetValueOrDefault(ref1.Id);
            if (day is not null)
            {
                minutes = Math.Max(MinMinutesObserved, (now - day.Minute).TotalMinutes);
            }
        }

        double? activeCost = day is { CostCount: > 0 } ? day.CostSum / day.CostCount : PriceAtAverageTokens(active?.Pricing, day);
        var candidates = new List<PlannerCandidate>();
        foreach (var candidate in bundles.Where(b => b.Stage is "STAGING" or "SHADOW" or "CANARY"))
        {
            candidates.Add(new PlannerCandidate(candidate.Name, candidate.Stage, candidate.Percent, candidate.PlannedSamples, PriceAtAverageTokens(candidate.Pricing, day)));
        }

        double? qualityStdDev = day is { QualityCount: > 1 }
            ? Math.Sqrt(Math.Max(0, (day.QualitySumSquares - day.QualitySum * day.QualitySum / day.QualityCount) / (day.QualityCount - 1)))
            : null;
        return new PlannerFacts(
            family,
            active?.Name,
            day is null ? null : day.Requests * 1440 / minutes!.Value,
            day is { Requests: > 0 } ? (double)day.Errors / day.Requests : active?.Baseline?.ErrorRate,
            day is { QualityCount: > 0 } ? day.QualitySum / day.QualityCount : active?.Baseline?.QualityMean,
            qualityStdDev ?? active?.Baseline?.QualityStdDev,
            activeCost,
            candidates);
    }

    // A candidate has no traffic of its own before its shadow: its prices at the active bundle's average call.
    private static double? PriceAtAverageTokens(Pricing? pricing, MinuteRollup? day) =>
        pricing is null || day is not { Requests: > 0 } ? null
            : CallCost.PerCall(pricing, (double)day.InputTokens / day.Requests, (double)day.OutputTokens / day.Requests, (double)day.CachedInputTokens / day.Requests);
}
