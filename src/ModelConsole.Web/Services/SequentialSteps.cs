using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// What sequential rules read of candidates, for the evaluator and the pipeline's guarded promotion alike: each
/// candidate's totals per ramp step since its stage began beside the ACTIVE bundle's over the same minutes (a step
/// starts at the minute it began in), and N* — the plan's total (per arm, twice) or 20 × the largest minSamples of the
/// family's rules. Three queries however many candidates.
/// </summary>
public sealed class SequentialSteps(TelemetryQueries telemetry)
{
    public async Task<IReadOnlyDictionary<int, (IReadOnlyList<(MinuteRollup Candidate, MinuteRollup Active)> Steps, double Tuning)>> ReadAsync(
        IReadOnlyList<(int Candidate, int Active, long LargestMinSamples)> candidates, DateTime to, CancellationToken cancellationToken)
    {
        var result = new Dictionary<int, (IReadOnlyList<(MinuteRollup, MinuteRollup)>, double)>();
        if (candidates.Count == 0)
        {
            return result;
        }

        var ramps = await telemetry.RampStepsAsync(candidates.Select(c => c.Candidate).ToList(), cancellationToken);
        var spans = new List<(int Bundle, DateTime From, DateTime To)>();
        var layout = new List<(int Candidate, int Active, double Tuning, List<(int Candidate, int Active, DateTime From)> Steps)>();
        foreach (var (candidate, active, largest) in candidates)
        {
            if (!ramps.TryGetValue(candidate, out var ramp))
            {
                continue;
            }

            var starts = ramp.StepStarts.Select(MinuteRollup.MinuteOf).Distinct().Where(m => m < to).ToList();
            var steps = new List<(int, int, DateTime)>(starts.Count);
            for (var i = 0; i < starts.Count; i++)
            {
                var end = i + 1 < starts.Count ? starts[i + 1] : to;
                steps.Add((spans.Count, spans.Count + 1, starts[i]));
                spans.Add((candidate, starts[i], end));
                spans.Add((active, starts[i], end));
            }

            layout.Add((candidate, active, SequentialTest.TuningSamples(ramp.PlannedPerArm * 2, largest), steps));
        }

        var totals = await telemetry.ReadSpanTotalsAsync(spans, cancellationToken);
        foreach (var (candidate, active, tuning, steps) in layout)
        {
            result[candidate] = (steps.Select(x => (totals.GetValueOrDefault(x.Candidate) ?? new MinuteRollup(candidate, x.From), totals.GetValueOrDefault(x.Active) ?? new MinuteRollup(active, x.From))).ToList(), tuning);
        }

        return result;
    }
}
