using ModelConsole.Core.Metrics;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Thresholds;

/// <summary>What a rule does once it has breached <see cref="Rule.Consecutive"/> times in a row.</summary>
public enum RuleAction
{
    Alert,
    Rollback,
}

/// <summary>How a rule reads its data: the last <c>windowMinutes</c>, or everything since the candidate entered its stage.</summary>
public enum RuleTestKind
{
    /// <summary>A fixed-horizon test on a sliding window (the default).</summary>
    Window,

    /// <summary>An always-valid test, cumulative since the stage began, stratified by ramp step (<see cref="SequentialTest"/>).</summary>
    Sequential,
}

/// <summary>A threshold rule with every field filled (API.md "Rules and alerts").</summary>
public sealed record Rule(
    long Id,
    Metric Metric,
    RuleAction Action,
    double Z,
    double MinEffect,
    double MinAbsoluteEffect,
    double Tolerance,
    int WindowMinutes,
    long MinSamples,
    int Consecutive,
    RuleTestKind TestKind = RuleTestKind.Window,
    double Alpha = RuleDraft.DefaultAlpha)
{
    /// <summary>The window statistic this rule judges by (the evaluator and readiness both ask it); a sequential rule's is <see cref="SequentialTest"/>.</summary>
    public IRuleTest Test => RuleTests.For(this);

    /// <summary>Whether the rule is judged sequentially (it then has no window).</summary>
    public bool IsSequential => TestKind == RuleTestKind.Sequential;
}

/// <summary>The wire names of actions (a metric's is its catalog name), one place for the API, the store and the pages.</summary>
public static class RuleNames
{
    /// <summary>The wire name of an action.</summary>
    public static string Of(RuleAction action) => action == RuleAction.Rollback ? "rollback" : "alert";

    /// <summary>The action with this wire name.</summary>
    public static bool TryAction(string? value, out RuleAction action)
    {
        action = value == "rollback" ? RuleAction.Rollback : RuleAction.Alert;
        return value is "rollback" or "alert";
    }

    /// <summary>The wire name of a test.</summary>
    public static string Of(RuleTestKind test) => test == RuleTestKind.Sequential ? "sequential" : "window";

    /// <summary>The test with this wire name (null means the window test).</summary>
    public static bool TryTest(string? value, out RuleTestKind test)
    {
        test = value == "sequential" ? RuleTestKind.Sequential : RuleTestKind.Window;
        return value is null or "window" or "sequential";
    }
}

/// <summary>A rule as a caller writes it: anything left out takes API.md's default.</summary>
public sealed record RuleDraft(
    long? Id,
    string? Metric,
    string? Action,
    double? Z = null,
    double? MinEffect = null,
    double? MinAbsoluteEffect = null,
    double? Tolerance = null,
    int? WindowMinutes = null,
    long? MinSamples = null,
    int? Consecutive = null,
    string? Test = null,
    double? Alpha = null)
{
    public const int MaxWindowMinutes = 1440;
    public const int MaxRules = 50;
    public const double DefaultAlpha = 0.05;

    /// <summary>The rule with defaults filled in, or the field errors (keys prefixed with <paramref name="prefix"/>).</summary>
    public Rule? ToRule(long id, ValidationErrors errors, string prefix = "")
    {
        var ok = true;
        void Fail(string field, string message)
        {
            errors.Add(prefix + field, message);
            ok = false;
        }

        var metricOk = MetricCatalog.TryGet(Metric, out var metric) && metric.Judged;
        if (!metricOk)
        {
            Fail("metric", $"Metric is one of {MetricCatalog.Names(MetricCatalog.Judged)}.");
        }

        if (!RuleNames.TryAction(Action, out var action))
        {
            Fail("action", "Action is alert or rollback.");
        }

        if (Z is { } z && !(z > 0 && z <= 20))
        {
            Fail("z", "z is above 0 and at most 20 (3 is usual).");
        }

        if (MinEffect is { } effect && !(effect >= 0 && effect <= 100))
        {
            Fail("minEffect", "minEffect is a relative change from 0 to 100 (0.2 = 20 %).");
        }

        if (MinAbsoluteEffect is { } absolute && !(absolute >= 0 && double.IsFinite(absolute)))
        {
            Fail("minAbsoluteEffect", "minAbsoluteEffect is 0 or more.");
        }

        if (Tolerance is { } tolerance && !(tolerance >= 0 && tolerance <= 10))
        {
            Fail("tolerance", "tolerance is a relative margin from 0 to 10 (0.25 = 25 %).");
        }

        if (WindowMinutes is { } window && window is < 1 or > MaxWindowMinutes && Test != "sequential") // a sequential rule ignores it
        {
            Fail("windowMinutes", $"windowMinutes is from 1 to {MaxWindowMinutes}.");
        }

        if (MinSamples is { } samples && samples is < 1 or > 100_000_000)
        {
            Fail("minSamples", "minSamples is at least 1.");
        }

        if (Consecutive is { } consecutive && consecutive is < 1 or > 100)
        {
            Fail("consecutive", "consecutive is from 1 to 100.");
        }

        if (!RuleNames.TryTest(Test, out var test))
        {
            Fail("test", "test is window or sequential.");
        }
        else if (test == RuleTestKind.Sequential && metricOk && !SequentialTest.Supports(metric))
        {
            Fail("test", $"A sequential rule judges a rate or a mean: {metric.Name} is a percentile (use the window test).");
        }

        if (Alpha is { } alpha && !(alpha > 0 && alpha < 0.5))
        {
            Fail("alpha", "alpha is above 0 and below 0.5 (0.05 is usual).");
        }

        if (!ok)
        {
            return null;
        }

        // A sequential rule has no window: one given is accepted and ignored.
        return new Rule(id, metric, action, Z ?? 3, MinEffect ?? 0.2, MinAbsoluteEffect ?? metric.DefaultMinAbsoluteEffect, Tolerance ?? 0.25,
            test == RuleTestKind.Sequential ? 5 : WindowMinutes ?? 5, MinSamples ?? 200, Consecutive ?? (action == RuleAction.Rollback ? 1 : 2), test, Alpha ?? DefaultAlpha);
    }

    /// <summary>A stored rule as a draft that saves it unchanged.</summary>
    public static RuleDraft Of(Rule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new(rule.Id, rule.Metric.Name, RuleNames.Of(rule.Action), rule.Z, rule.MinEffect, rule.MinAbsoluteEffect, rule.Tolerance,
            rule.IsSequential ? null : rule.WindowMinutes, rule.MinSamples, rule.Consecutive, RuleNames.Of(rule.TestKind), rule.Alpha);
    }

    /// <summary>The default sequential rule: a rollback on error rate judged always-validly since the stage began.</summary>
    public static RuleDraft DefaultSequential { get; } = new(null, "errorRate", "rollback", MinEffect: 0.5, MinAbsoluteEffect: 0.005, MinSamples: 200, Test: "sequential", Alpha: 0.05);

    /// <summary>The rules a new family starts with (API.md).</summary>
    public static IReadOnlyList<RuleDraft> Defaults { get; } =
    [
        new(null, "errorRate", "rollback", Z: 4, MinEffect: 1.0, MinAbsoluteEffect: 0.01),
        new(null, "errorRate", "alert"),
        new(null, "latencyP95", "alert"),
        new(null, "qualityMean", "alert", MinEffect: 0.05),
        new(null, "costPerCall", "alert"),
        new(null, "negativeFeedbackRate", "alert"),
        DefaultSequential,
    ];
}
