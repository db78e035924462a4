using System.Globalization;
using ModelConsole.Core.Validation;
using ModelConsole.Web.Services;
using ModelConsole.Core.Costs;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Web.Components.Pages;

/// <summary>The planner's inputs: what finance types (or a family prefills), all of it kept in the page's URL.</summary>
public sealed class PlannerInputs
{
    public string? Family { get; set; }
    public string Metric { get; set; } = "proportion";

    /// <summary>The catalog metric a family prefills the baseline from (its kind matches <see cref="Metric"/>); null for the default.</summary>
    public string? Of { get; set; }

    /// <summary>The catalog metric the baseline is read from: <see cref="Of"/> when it is of the right kind, else error rate or quality.</summary>
    public ModelConsole.Core.Metrics.Metric Source =>
        ModelConsole.Core.Metrics.MetricCatalog.TryGet(Of, out var m) && m.Kind == Kind ? m
        : Kind == ModelConsole.Core.Metrics.MetricKind.Mean ? ModelConsole.Core.Metrics.MetricCatalog.QualityMean : ModelConsole.Core.Metrics.MetricCatalog.ErrorRate;

    /// <summary>The catalog kind this plan compares.</summary>
    public ModelConsole.Core.Metrics.MetricKind Kind => Metric == "mean" ? ModelConsole.Core.Metrics.MetricKind.Mean : ModelConsole.Core.Metrics.MetricKind.Rate;
    public double? Baseline { get; set; } = 0.02;
    public double? Mde { get; set; } = 0.2;
    public string MdeType { get; set; } = "relative";
    public double? Alpha { get; set; } = 0.05;
    public double? Power { get; set; } = 0.8;
    public int Sides { get; set; } = 2;
    public double? StdDev { get; set; }
    public double? Inflation { get; set; } = 1;
    public double? RequestsPerDay { get; set; } = 100_000;
    public double? MirrorPercent { get; set; } = 10;
    public double? ShadowCostPerCallUsd { get; set; } = 0.002;
    public double? ActiveCostPerCallUsd { get; set; }

    private static readonly string[] Keys =
        ["family", "metric", "of", "baseline", "mde", "mdeType", "alpha", "power", "sides", "sd", "inflation", "rpd", "mirror", "cost", "activeCost"];

    /// <summary>The inputs as query-string pairs (invariant culture), for a link that reopens the same plan.</summary>
    public IReadOnlyDictionary<string, string?> ToQuery() => new Dictionary<string, string?>
    {
        ["family"] = Family, ["metric"] = Metric, ["of"] = Of, ["baseline"] = N(Baseline), ["mde"] = N(Mde), ["mdeType"] = MdeType, ["alpha"] = N(Alpha),
        ["power"] = N(Power), ["sides"] = Sides.ToString(CultureInfo.InvariantCulture), ["sd"] = N(StdDev), ["inflation"] = N(Inflation),
        ["rpd"] = N(RequestsPerDay), ["mirror"] = N(MirrorPercent), ["cost"] = N(ShadowCostPerCallUsd), ["activeCost"] = N(ActiveCostPerCallUsd),
    };

    /// <summary>Reads a shared link; a value that does not parse keeps its default.</summary>
    public static PlannerInputs FromQuery(IReadOnlyDictionary<string, string?> query)
    {
        var inputs = new PlannerInputs();
        if (!Keys.Any(query.ContainsKey))
        {
            return inputs;
        }

        string? Text(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        double? Number(string key, double? fallback) =>
            Text(key) is { } v ? (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : fallback) : null;
        inputs.Family = Text("family");
        inputs.Metric = Text("metric") is "mean" ? "mean" : "proportion";
        inputs.Of = ModelConsole.Core.Metrics.MetricCatalog.TryGet(Text("of"), out var of) ? of.Name : null;
        inputs.Baseline = Number("baseline", inputs.Baseline);
        inputs.Mde = Number("mde", inputs.Mde);
        inputs.MdeType = Text("mdeType") is "absolute" ? "absolute" : "relative";
        inputs.Alpha = Number("alpha", inputs.Alpha);
        inputs.Power = Number("power", inputs.Power);
        inputs.Sides = Text("sides") is "1" ? 1 : 2;
        inputs.StdDev = Number("sd", null);
        inputs.Inflation = Number("inflation", inputs.Inflation);
        inputs.RequestsPerDay = Number("rpd", inputs.RequestsPerDay);
        inputs.MirrorPercent = Number("mirror", inputs.MirrorPercent);
        inputs.ShadowCostPerCallUsd = Number("cost", inputs.ShadowCostPerCallUsd);
        inputs.ActiveCostPerCallUsd = Number("activeCost", null);
        return inputs;
    }

    private static string? N(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>One point of a planner curve.</summary>
public sealed record CurvePoint(double X, double Y);

/// <summary>What the planner answers for a set of inputs: the plan, its time and money, the curves, or field errors.</summary>
public sealed class PlannerOutcome
{
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
    public SampleSizeResult? Plan { get; init; }
    public double? Days { get; init; }
    public ShadowCostResult? Cost { get; init; }

    /// <summary>Shadow cost in total (USD) against the relative detectable effect.</summary>
    public IReadOnlyList<CurvePoint> CostCurve { get; init; } = [];

    /// <summary>Power against the sample size per arm, for the planned effect.</summary>
    public IReadOnlyList<CurvePoint> PowerCurve { get; init; } = [];

    public bool IsValid => Errors.Count == 0 && Plan is not null;
}

/// <summary>
/// The planner page's logic, testable without rendering: checks the inputs with plain-word messages, then asks Core
/// for the sample size, the days at the mirrored traffic and what those days cost, and draws the two curves from the
/// same code, so every number on the page agrees with the API.
/// </summary>
public static class PlannerModel
{
    public static PlannerOutcome Compute(PlannerInputs inputs)
    {
        var outcome = new PlannerOutcome();
        var errors = outcome.Errors;
        Check(inputs.Alpha is > 0 and < 1, "alpha", "The significance level is a fraction between 0 and 1, e.g. 0.05.", errors);
        Check(inputs.Power is > 0 and < 1, "power", "The power is a fraction between 0 and 1, e.g. 0.8.", errors);
        Check(inputs.Mde is > 0, "mde", "The smallest effect worth detecting must be above 0.", errors);
        Check(inputs.Baseline is not null, "baseline", "Give the baseline: the rate or mean today.", errors);
        Check(inputs.Inflation is >= 1, "inflation", "The inflation factor is at least 1 (1 = answers never vary for the same input).", errors);
        Check(inputs.RequestsPerDay is > 0, "requestsPerDay", "Requests per day must be above 0.", errors);
        Check(inputs.MirrorPercent is > 0 and <= 100, "mirrorPercent", "The mirrored share is a percent above 0 and at most 100.", errors);
        Check(inputs.ShadowCostPerCallUsd is >= 0, "shadowCostPerCallUsd", "The shadow's cost per call is USD, 0 or more.", errors);
        Check(inputs.ActiveCostPerCallUsd is null or >= 0, "activeCostPerCallUsd", "The active bundle's cost per call is USD, 0 or more.", errors);
        if (inputs.Metric == "mean")
        {
            Check(inputs.StdDev is > 0, "stdDev", "A mean needs its standard deviation (above 0).", errors);
        }
        else
        {
            Check(inputs.Baseline is null or (> 0 and < 1), "baseline", "A rate's baseline is a fraction between 0 and 1, e.g. 0.02 for 2 %.", errors);
        }

        if (errors.Count > 0)
        {
            return outcome;
        }

        var request = Request(inputs, inputs.Mde!.Value);
        var computed = Inputs.Check(() =>
        {
            var plan = SampleSizePlanner.Plan(request);
            var days = StudyDuration.ShadowDays(plan.PerArmCeiling, inputs.RequestsPerDay!.Value, inputs.MirrorPercent!.Value);
            var cost = ShadowCost.Estimate(new ShadowCostRequest(inputs.RequestsPerDay.Value, inputs.MirrorPercent.Value, days, inputs.ShadowCostPerCallUsd!.Value, inputs.ActiveCostPerCallUsd));
            return new PlannerOutcome
            {
                Plan = plan, Days = days, Cost = cost,
                CostCurve = CostCurve(inputs, request),
                PowerCurve = PowerCurve(request, plan.PerArm),
            };
        }, field => field is "mde" or "baseline" or "stdDev" or "power" or "alpha" ? field : "mde");
        if (computed.IsOk)
        {
            return computed.Value!;
        }

        foreach (var (field, messages) in computed.Errors!.ToDictionary())
        {
            errors[field] = messages[0];
        }

        return outcome;
    }

    private static SampleSizeRequest Request(PlannerInputs inputs, double mde) => new(
        inputs.Metric == "mean" ? PlannedMetric.Mean : PlannedMetric.Proportion, inputs.Baseline!.Value, mde,
        inputs.MdeType == "absolute" ? MdeType.Absolute : MdeType.Relative, inputs.Alpha!.Value, inputs.Power!.Value,
        inputs.Sides == 1 ? Sides.One : Sides.Two, inputs.StdDev, inputs.Inflation!.Value);

    // Half to four times the planned effect: how the bill falls as the effect worth detecting grows.
    private static List<CurvePoint> CostCurve(PlannerInputs inputs, SampleSizeRequest request)
    {
        var points = new List<CurvePoint>();
        foreach (var factor in new[] { 0.5, 0.625, 0.75, 0.875, 1, 1.25, 1.5, 2, 2.5, 3, 4 })
        {
            try
            {
                var plan = SampleSizePlanner.Plan(request with { Mde = request.Mde * factor });
                var days = StudyDuration.ShadowDays(plan.PerArmCeiling, inputs.RequestsPerDay!.Value, inputs.MirrorPercent!.Value);
                var relative = request.MdeType == MdeType.Relative ? request.Mde * factor : plan.EffectAbsolute / request.Baseline;
                points.Add(new CurvePoint(relative * 100, days * inputs.RequestsPerDay.Value * inputs.MirrorPercent.Value / 100 * inputs.ShadowCostPerCallUsd!.Value));
            }
            catch (ArgumentOutOfRangeException)
            {
                // An effect that leaves the metric's range (a rate above 1) has no plan: the curve stops there.
            }
        }

        return points;
    }

    private static List<CurvePoint> PowerCurve(SampleSizeRequest request, double planned)
    {
        var points = new List<CurvePoint>();
        for (var i = 1; i <= 30; i++)
        {
            var n = planned * i / 15;
            if (n >= 2)
            {
                points.Add(new CurvePoint(n, SampleSizePlanner.PowerAt(request, n)));
            }
        }

        return points;
    }

    /// <summary>The plan and both curves as CSV (invariant culture), the numbers the page shows.</summary>
    public static string ToCsv(PlannerInputs inputs, PlannerOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outcome);
        var csv = new CsvWriter().Row("section", "name", "value");
        foreach (var (key, value) in inputs.ToQuery().Where(q => q.Value is not null))
        {
            csv.Row("input", key, value);
        }

        if (outcome.Plan is { } plan)
        {
            csv.Row("plan", "perArm", plan.PerArmCeiling)
                .Row("plan", "perArmExact", plan.PerArm)
                .Row("plan", "effectAbsolute", plan.EffectAbsolute)
                .Row("plan", "days", outcome.Days)
                .Row("plan", "shadowCallsPerDay", outcome.Cost!.ShadowCallsPerDay)
                .Row("plan", "shadowCostPerDayUsd", outcome.Cost.ShadowCostPerDay)
                .Row("plan", "shadowCostTotalUsd", outcome.Cost.ShadowCostTotal);
            if (outcome.Cost.TotalCostPerDay is { } bill)
            {
                csv.Row("plan", "totalBillPerDayUsd", bill).Row("plan", "totalBillTotalUsd", outcome.Cost.TotalCostTotal);
            }

            csv.Row("plan", "method", plan.Method);
        }

        foreach (var p in outcome.CostCurve)
        {
            csv.Row("costCurve", "relativeEffectPercent=" + CsvWriter.Cell(p.X), p.Y);
        }

        foreach (var p in outcome.PowerCurve)
        {
            csv.Row("powerCurve", "perArm=" + CsvWriter.Cell(p.X), p.Y);
        }

        return csv.ToString();
    }

    private static void Check(bool ok, string field, string message, Dictionary<string, string> errors)
    {
        if (!ok)
        {
            errors.TryAdd(field, message);
        }
    }
}
