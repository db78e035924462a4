using System.Globalization;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Experiments;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;

namespace ModelConsole.Web.Components.Dialogs;

/// <summary>
/// The New experiment dialog's state without the dialog: every field as typed (any of them may be empty), the plan
/// previewed from the same Core code the server plans with, and the field errors of the last check or submit. Nothing
/// here throws on an empty or strange value: it becomes a field error.
/// </summary>
public sealed class NewExperimentModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The families that can run an experiment now (an ACTIVE and a CANARY bundle, none running).</summary>
    public IReadOnlyList<FamilySummary> Families { get; private set; } = [];

    public string? Family { get; private set; }
    public double? SplitBPercent { get; set; } = 20;
    public string Metric { get; private set; } = MetricCatalog.ErrorRate.Name;
    public double? Baseline { get; set; }
    public double? DefaultBaseline { get; private set; }
    public double? StdDev { get; set; }
    public double? Mde { get; set; }
    public string MdeType { get; set; } = "relative";
    public double? Alpha { get; set; } = 0.05;
    public double? Power { get; set; } = 0.8;
    public int Sides { get; set; } = 2;

    /// <summary>An optional name and hypothesis, kept with the experiment.</summary>
    public string? Name { get; set; }
    public string? Hypothesis { get; set; }

    /// <summary>The family's served calls per day, for the plan's duration.</summary>
    public double? RequestsPerDay { get; private set; }

    /// <summary>Field errors from the server's answer (the preview has its own).</summary>
    public ValidationErrors? Errors { get; set; }

    /// <summary>The selected family, or null.</summary>
    public FamilySummary? Selected => Families.FirstOrDefault(f => f.Name == Family);

    /// <summary>The selected metric.</summary>
    public Metric SelectedMetric => MetricCatalog.TryGet(Metric, out var m) ? m : MetricCatalog.ErrorRate;

    /// <summary>A rate needs no standard deviation.</summary>
    public bool IsRate => SelectedMetric.Kind == MetricKind.Rate;

    /// <summary>Takes the families and picks <paramref name="preferred"/> (else the first).</summary>
    public void Load(IEnumerable<FamilySummary> all, string? preferred)
    {
        ArgumentNullException.ThrowIfNull(all);
        Families = all.Where(f => f.Active is not null && f.Canary is not null && f.Experiment is null).ToList();
        Family = Families.FirstOrDefault(f => f.Name == preferred)?.Name ?? (Families.Count > 0 ? Families[0].Name : null);
    }

    /// <summary>Chooses a family (its traffic is read by the caller).</summary>
    public void ChooseFamily(string family, double? requestsPerDay)
    {
        Family = family;
        RequestsPerDay = requestsPerDay;
        Errors = null;
    }

    /// <summary>Chooses a metric and takes the family's reference values as its defaults, rounded to what a person retypes.</summary>
    public void ChooseMetric(string metric, double? baseline, double? stdDev)
    {
        Metric = MetricCatalog.TryGet(metric, out var m) && m.Experimented ? m.Name : MetricCatalog.ErrorRate.Name;
        (Baseline, DefaultBaseline, StdDev) = (Round(baseline), baseline, Round(stdDev));
        Mde ??= 0.2;
        Errors = null;
    }

    /// <summary>The draft as typed (a rate sends no standard deviation).</summary>
    public ExperimentDraft Draft() =>
        new(Family, Selected?.Canary?.Bundle, SplitBPercent, Metric, Mde, MdeType, Alpha, Power, Sides, Baseline, IsRate ? null : StdDev, Name, Hypothesis);

    /// <summary>The plan of the values as typed, or why there is none (the first problem, in words).</summary>
    public (SampleSizeResult? Plan, string? Problem) Preview()
    {
        var draft = Draft();
        var errors = new ValidationErrors();
        if (draft.Check(errors) is not { } metric)
        {
            return (null, First(errors));
        }

        if (!errors.IsEmpty)
        {
            return (null, First(errors));
        }

        if (Baseline is not { } baseline)
        {
            return (null, "Give the baseline.");
        }

        if (!IsRate && StdDev is null)
        {
            return (null, "Give the standard deviation.");
        }

        var plan = draft.TryPlan(metric, baseline, IsRate ? null : StdDev);
        return (plan.Value, plan.Problem);
    }

    /// <summary>The error of one field: the server's, else the preview's when it names that field.</summary>
    public string? ErrorOf(string field)
    {
        if (Errors?.For(field) is [var first, ..])
        {
            return first;
        }

        var errors = new ValidationErrors();
        Draft().Check(errors);
        return errors.For(field) is [var own, ..] ? own : null;
    }

    /// <summary>The plan in words ("Planned: 1,234 in A and 309 in B ..."), with its duration at the family's traffic.</summary>
    public string Describe(SampleSizeResult plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var effect = IsRate ? SelectedMetric.FormatDelta(plan.EffectAbsolute) : plan.EffectAbsolute.ToString("+0.####;−0.####", C);
        var text = string.Create(C, $"Planned: {plan.PerArmCeiling:N0} in A and {plan.PerArmB:N0} in B ({(Sides == 1 ? "one-sided" : "two-sided")}, α {Alpha}, power {Power}, to detect {effect}).");
        if (RequestsPerDay is { } perDay && perDay > 0 && SplitBPercent is { } split)
        {
            var days = Inputs.Check(() => StudyDuration.SplitDays(plan.PerArmCeiling, plan.PerArmB, perDay, split));
            if (days.IsOk)
            {
                text += string.Create(C, $" At {perDay:N0} calls/day that is about {days.Value:0.#} days.");
            }
        }

        return text;
    }

    private static string? First(ValidationErrors errors) => errors.ToDictionary().Values.SelectMany(m => m).FirstOrDefault();

    // Four significant digits are what a person can read and retype; the plan barely moves beyond them.
    private static double? Round(double? value) => value is { } v && double.IsFinite(v) ? double.Parse(v.ToString("G4", C), C) : null;
}
