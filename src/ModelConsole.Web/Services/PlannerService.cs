using ModelConsole.Core.Bundles;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A candidate of a family the planner can price and attach a plan to.</summary>
public sealed record PlannerCandidate(string Name, string Stage, double? Percent, long? PlannedSamples, double? CostPerCallUsd);

/// <summary>
/// What the planner can prefill from a family: its served traffic per day, the reference values (the ACTIVE
/// bundle's last day of calls, else its baseline, Core's <see cref="FamilyReference"/>), costs per call (measured,
/// else the bundle's prices at the family's average call), the shadow's current mirror percent, and the candidates a
/// plan can be attached to. Every number is null when it is not known.
/// </summary>
public sealed record PlannerFacts(string Family, FamilyReference Reference, double? MirrorPercent, double? ActiveCostPerCallUsd, IReadOnlyList<PlannerCandidate> Candidates)
{
    /// <summary>The ACTIVE bundle's name.</summary>
    public string? Active => Reference.Active;

    /// <summary>Served calls per day, or null before any.</summary>
    public double? RequestsPerDay => Reference.RequestsPerDay;

    /// <summary>The reference value of a metric.</summary>
    public double? ValueOf(Metric metric) => Reference.Value(metric);

    /// <summary>The reference spread of a mean metric.</summary>
    public double? StdDevOf(Metric metric) => Reference.StdDev(metric);
}

/// <summary>What attaching a plan came to.</summary>
public sealed record PlanAttached(string Bundle, long PerArm);

/// <summary>The planner's server side: prefill facts from live data, and attaching a plan to a candidate.</summary>
public sealed class PlannerService(RegistryStore registry, FamilyReferenceService references, PipelineStore pipeline, RoutingSnapshot routing)
{
    public const long MaxPlannedSamples = 1_000_000_000_000;

    /// <summary>Attaches a planned sample size to a candidate (the samples gate reads it).</summary>
    public async Task<Outcome<PlanAttached>> AttachAsync(string bundle, long perArm, string? note, string actor, CancellationToken cancellationToken)
    {
        var (found, conflict) = await pipeline.AttachPlanAsync(bundle, perArm, note, actor, cancellationToken);
        return !found ? Outcome<PlanAttached>.NotFound($"There is no bundle named '{bundle}'.")
            : conflict is not null ? Outcome<PlanAttached>.Conflict(conflict)
            : Outcome<PlanAttached>.Ok(new PlanAttached(bundle, perArm));
    }

    /// <summary>The family's facts, or null for an unknown family.</summary>
    public async Task<PlannerFacts?> FactsAsync(string family, CancellationToken cancellationToken)
    {
        if (await references.ReadAsync(family, FamilyReferenceService.DefaultsWindow, cancellationToken) is not { } reference)
        {
            return null;
        }

        var bundles = await registry.ListPricedBundlesAsync(family, cancellationToken);
        var active = bundles.FirstOrDefault(b => b.Stage == Stage.Active.ToWire());
        var tokens = reference.AverageTokens;
        double? activeCost = reference.Value(MetricCatalog.CostPerCall) ?? PriceAtAverageTokens(active?.Pricing, tokens);
        var candidates = bundles.Where(b => b.Stage is "STAGING" or "SHADOW" or "CANARY")
            .Select(c => new PlannerCandidate(c.Name, c.Stage, c.Percent, c.PlannedSamples, PriceAtAverageTokens(c.Pricing, tokens)))
            .ToList();
        return new PlannerFacts(family, reference, routing.Current.Families.GetValueOrDefault(family)?.Shadow?.MirrorPercent, activeCost, candidates);
    }

    // A candidate has no traffic of its own before its shadow: its prices at the family's average call.
    private static double? PriceAtAverageTokens(Pricing? pricing, (double Input, double Output, double CachedInput)? tokens) =>
        pricing is null || tokens is not { } t ? null : CallCost.PerCall(pricing, t.Input, t.Output, t.CachedInput);
}
