using ModelConsole.Core.Bundles;
using ModelConsole.Core.Pipeline;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A paired difference (shadow − active over the same requests) with its interval and p-value.</summary>
public sealed record PairedDifference(long Pairs, double MeanDifference, double CiLow, double CiHigh, double PValue);

/// <summary>McNemar's test on the pairs where exactly one arm succeeded.</summary>
public sealed record McNemarAnswer(double Statistic, double PValue);

/// <summary>The paired section of a shadow comparison (API.md: pairs, agreement and the paired tests).</summary>
public sealed record PairedAnswer(
    long Pairs,
    double? Agreement,
    long SuccessOnlyActive,
    long SuccessOnlyCandidate,
    McNemarAnswer? McNemar,
    PairedDifference? Quality,
    PairedDifference? LatencyMs);

/// <summary>API.md <c>GET /families/{family}/comparison</c>.</summary>
public sealed record ComparisonAnswer(
    string Family,
    string Active,
    string Candidate,
    string CandidateStage,
    int WindowMinutes,
    double Confidence,
    DateTime From,
    DateTime To,
    long MinSamples,
    IReadOnlyList<ComparisonRow> Metrics,
    PairedAnswer? Paired);

/// <summary>A comparison and, for the page's overlay, each arm's latency histogram over the window.</summary>
public sealed record ComparisonView(ComparisonAnswer Answer, IReadOnlyDictionary<int, long> ActiveLatency, IReadOnlyDictionary<int, long> CandidateLatency);

/// <summary>
/// Compares a family's candidate (its CANARY, else its SHADOW, or the one asked for) with its ACTIVE bundle over a
/// window of minutes ending now: the rollups of both, merged, through Core's comparison, plus the paired shadow calls.
/// </summary>
public sealed class ComparisonService(PipelineService pipeline, TelemetryService telemetry, TelemetryQueries store, ExpensiveReads expensive, TimeProvider clock)
{
    public const int DefaultWindowMinutes = 60;
    public const int MaxWindowMinutes = 7 * 24 * 60;

    /// <summary>
    /// The candidate (its CANARY, else its SHADOW, or <paramref name="candidate"/>) against the ACTIVE bundle over the
    /// last <paramref name="windowMinutes"/>; a row has enough data at the candidate's planned samples (the gates' number).
    /// </summary>
    public async Task<Outcome<ComparisonView>> CompareAsync(string family, string? candidate, int? windowMinutes, double? confidence, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var window = windowMinutes ?? DefaultWindowMinutes;
        if (window is < 1 or > MaxWindowMinutes)
        {
            errors.Add("windowMinutes", $"The window is from 1 to {MaxWindowMinutes} minutes (7 days).");
        }

        var level = confidence ?? 0.95;
        if (level is not (>= 0.5 and <= 0.999))
        {
            errors.Add("confidence", "The confidence level is from 0.5 to 0.999 (e.g. 0.95).");
        }

        if (await pipeline.StateAsync(family, cancellationToken) is not { } state)
        {
            return Outcome<ComparisonView>.NotFound($"There is no family named '{family}'.");
        }

        BundleState? chosen = null;
        if (candidate is not null)
        {
            chosen = state.Find(candidate);
            if (chosen is null)
            {
                errors.Add("candidate", $"There is no bundle named '{candidate}' in family '{family}'.");
            }
            else if (chosen.Stage is not (Stage.Canary or Stage.Shadow))
            {
                errors.Add("candidate", $"'{candidate}' is in {chosen.Stage.ToWire()}: only a bundle in SHADOW or CANARY is a candidate.");
            }
        }

        if (!errors.IsEmpty)
        {
            return Outcome<ComparisonView>.Invalid(errors);
        }

        chosen ??= PipelineRules.Candidate(state);
        if (chosen is null)
        {
            return Outcome<ComparisonView>.Conflict($"Family '{family}' has no candidate: no bundle is in SHADOW or CANARY.");
        }

        if (state.InStage(Stage.Active) is not { } active)
        {
            return Outcome<ComparisonView>.Conflict($"Family '{family}' has no ACTIVE bundle to compare with.");
        }

        var activeBundle = (await telemetry.FindBundleAsync(active.Name, cancellationToken))!;
        var candidateBundle = (await telemetry.FindBundleAsync(chosen.Name, cancellationToken))!;
        var minSamples = PipelineRules.PlannedSamples(chosen.PlannedSamples, [await pipeline.DefaultPlannedSamplesAsync(family, cancellationToken)]);
        var to = MinuteRollup.MinuteOf(clock.GetUtcNow().UtcDateTime).AddMinutes(1);
        var from = to.AddMinutes(-window);
        // Both windows folded in the database (sums and histograms), whatever their length.
        var windows = await expensive.RunAsync(() => store.ReadWindowTotalsAsync([activeBundle.Id, candidateBundle.Id], from, to, cancellationToken), cancellationToken);
        var activeTotals = windows.GetValueOrDefault(activeBundle.Id) ?? new MinuteRollup(activeBundle.Id, from);
        var candidateTotals = windows.GetValueOrDefault(candidateBundle.Id) ?? new MinuteRollup(candidateBundle.Id, from);
        var rows = Comparison.Rows(activeTotals, candidateTotals, minSamples, level);

        PairedAnswer? paired = null;
        if (chosen.Stage == Stage.Shadow)
        {
            var totals = await expensive.RunAsync(() => store.ReadPairsAsync(candidateBundle.Id, activeBundle.Id, from, to, cancellationToken), cancellationToken);
            var p = Comparison.Paired(totals, level);
            paired = new PairedAnswer(p.Pairs, p.Agreement, p.OnlyActiveSucceeded, p.OnlyCandidateSucceeded,
                p.McNemar is { } m ? new McNemarAnswer(m.Statistic, m.PValue) : null,
                p.Quality is { } q ? new PairedDifference(p.QualityPairs, q.Difference, q.CiLow, q.CiHigh, q.PValue) : null,
                p.Latency is { } l ? new PairedDifference(p.Pairs, l.Difference, l.CiLow, l.CiHigh, l.PValue) : null);
        }

        var answer = new ComparisonAnswer(family, active.Name, chosen.Name, chosen.Stage.ToWire(), window, level, from, to, minSamples, rows, paired);
        return Outcome<ComparisonView>.Ok(new ComparisonView(answer, activeTotals.Latency, candidateTotals.Latency));
    }
}
