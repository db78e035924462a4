using Microsoft.Extensions.Options;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A family's rollback readiness at one canary percent: every rule's answer, and whether its rollback rules are ready.</summary>
public sealed record FamilyReadiness(string Family, string? Candidate, double Percent, double RequestsPerMinute, IReadOnlyList<RuleReadiness> Rules)
{
    /// <summary>True when the family has a rollback rule and every one of them sees its minimum effect within 60 s.</summary>
    public bool Ready => Rules.Any(r => r.Rule.Action == RuleAction.Rollback) && Rules.Where(r => r.Rule.Action == RuleAction.Rollback).All(r => r.DetectedInTime);
}

/// <summary>
/// What readiness needs of a family, read once: its rules, its traffic and reference values, its candidate. A page
/// or dialog asks <see cref="At"/> for each percent a person types, without reading again.
/// </summary>
public sealed record ReadinessInputs(string Family, string? Candidate, double? CanaryPercent, IReadOnlyList<Rule> Rules, ReadinessFacts Facts, double IntervalSeconds)
{
    public FamilyReadiness At(double percent) =>
        new(Family, Candidate, percent, Facts.RequestsPerMinute, RollbackReadiness.Assess(Rules, percent, Facts, IntervalSeconds));
}

/// <summary>
/// Rollback readiness's facts from live data (the family's reference over the last hour: its served traffic and the
/// ACTIVE bundle's own calls), and baselines captured from a bundle's own traffic, at its promotion or on demand.
/// </summary>
public sealed class RollbackReadinessService(
    RoutingSnapshot routing,
    TelemetryService bundles,
    TelemetryQueries telemetry,
    AlertStore alerts,
    FamilyReferenceService references,
    IOptions<EvaluationOptions> evaluation,
    TimeProvider clock)
{
    /// <summary>How far back a capture looks for the bundle's own traffic.</summary>
    public static readonly TimeSpan CaptureWindow = TimeSpan.FromHours(24);

    /// <summary>The family's readiness inputs, or null when there is no such family.</summary>
    public async Task<ReadinessInputs?> InputsAsync(string family, CancellationToken cancellationToken)
    {
        if (await alerts.RulesAsync(family, cancellationToken) is not { } rules
            || await references.ReadAsync(family, FamilyReferenceService.TrafficWindow, cancellationToken) is not { } reference)
        {
            return null;
        }

        var route = routing.Current.Families.GetValueOrDefault(family);
        var candidateName = route?.Candidate;
        var candidate = candidateName is null ? null : await bundles.FindBundleAsync(candidateName, cancellationToken);
        var facts = new ReadinessFacts(reference.RequestsPerMinute, reference.Live, reference.Shares,
            candidate is null ? null : await alerts.BaselineAsync(candidate.Id, cancellationToken));
        // While an experiment runs, arm B's share is what the candidate gets.
        return new ReadinessInputs(family, candidateName, route?.Experiment?.SplitBPercent ?? route?.Canary?.Percent, rules.Rules, facts, evaluation.Value.IntervalSeconds);
    }

    /// <summary>
    /// Captures an ACTIVE <paramref name="bundle"/>'s baseline from its own calls of the last day (folded in the
    /// database), stores it as the baseline its rules judge it by when it has no candidate, and records who did it.
    /// </summary>
    public async Task<Outcome<Baseline>> CaptureAsync(string bundle, string actor, CancellationToken cancellationToken)
    {
        if (await bundles.FindBundleAsync(bundle, cancellationToken) is not { } known)
        {
            return Outcome<Baseline>.NotFound($"There is no bundle named '{bundle}'.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var to = MinuteRollup.MinuteOf(now).AddMinutes(1);
        var window = (await telemetry.ReadWindowTotalsAsync([known.Id], to - CaptureWindow, to, cancellationToken)).GetValueOrDefault(known.Id);
        if (window is null || BaselineCapture.From(window) is not { } baseline)
        {
            return Outcome<Baseline>.Conflict($"{bundle} has served no calls in the last {CaptureWindow.TotalHours:0} h: there is nothing to capture a baseline from.");
        }

        return await alerts.CaptureBaselineAsync(known.Id, baseline, actor, $"from {baseline.Samples:N0} calls of the last {CaptureWindow.TotalHours:0} h", cancellationToken) is { } refusal
            ? Outcome<Baseline>.Conflict(refusal)
            : Outcome<Baseline>.Ok(baseline);
    }
}
