using System.Globalization;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;

namespace ModelConsole.Web.Components.Pages;

/// <summary>One rule as the editor holds it: every number may be empty while a person types.</summary>
public sealed class EditableRule
{
    public long? Id { get; set; }
    public string Metric { get; set; } = MetricCatalog.ErrorRate.Name;
    public string Action { get; set; } = "alert";
    public double? Z { get; set; }
    public double? MinEffect { get; set; }
    public double? MinAbsoluteEffect { get; set; }
    public double? Tolerance { get; set; }
    public int? WindowMinutes { get; set; }
    public long? MinSamples { get; set; }
    public int? Consecutive { get; set; }

    /// <summary>"window" or "sequential".</summary>
    public string Test { get; set; } = "window";

    /// <summary>The sequential test's level.</summary>
    public double? Alpha { get; set; } = RuleDraft.DefaultAlpha;

    /// <summary>Whether the row is judged sequentially (it then has no window, and α instead of z).</summary>
    public bool IsSequential => Test == "sequential";

    /// <summary>The editor's row for a stored rule.</summary>
    public static EditableRule From(Rule r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new()
        {
            Id = r.Id, Metric = r.Metric.Name, Action = RuleNames.Of(r.Action), Z = r.Z, MinEffect = r.MinEffect, MinAbsoluteEffect = r.MinAbsoluteEffect,
            Tolerance = r.Tolerance, WindowMinutes = r.WindowMinutes, MinSamples = r.MinSamples, Consecutive = r.Consecutive,
            Test = RuleNames.Of(r.TestKind), Alpha = r.Alpha,
        };
    }

    /// <summary>A new row with API.md's defaults for an alert on the error rate.</summary>
    public static EditableRule New()
    {
        var row = From(new RuleDraft(null, MetricCatalog.ErrorRate.Name, "alert").ToRule(0, new ValidationErrors())!);
        row.Id = null;
        return row;
    }

    /// <summary>The draft Core checks.</summary>
    public RuleDraft ToDraft() => new(Id, Metric, Action, Z, MinEffect, MinAbsoluteEffect, Tolerance, IsSequential ? null : WindowMinutes, MinSamples, Consecutive, Test, Alpha);

    /// <summary>The fields a person left empty (the editor asks for them rather than filling a default).</summary>
    public IEnumerable<string> EmptyFields()
    {
        (string Field, object? Value)[] fields =
        [
            ("z", Z), ("minEffect", MinEffect), ("minAbsoluteEffect", MinAbsoluteEffect), ("tolerance", Tolerance),
            ("windowMinutes", WindowMinutes), ("minSamples", MinSamples), ("consecutive", Consecutive), ("alpha", Alpha),
        ];
        // A sequential rule has no window and no z; a window rule no α: those fields are not asked for.
        var unused = IsSequential ? new[] { "windowMinutes", "z" } : ["alpha"];
        return fields.Where(f => f.Value is null && !unused.Contains(f.Field)).Select(f => f.Field);
    }
}

/// <summary>
/// The Rules page's state without the page: the rules as edited, their version, the field errors of the last check
/// (keyed <c>[index].field</c>, as the API names them), and the canary percent readiness is shown at.
/// </summary>
public sealed class RulesModel
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The rows as edited.</summary>
    public List<EditableRule> Rules { get; } = [];

    /// <summary>The version the rows were read at (the save is refused when it moved).</summary>
    public long Version { get; private set; }

    /// <summary>The field errors of the last check, or null.</summary>
    public ValidationErrors? Errors { get; private set; }

    /// <summary>The canary percent readiness is computed at.</summary>
    public double ReadinessPercent { get; private set; } = 5;

    /// <summary>Why the typed percent was not taken, or null.</summary>
    public string? ReadinessPercentError { get; private set; }

    /// <summary>Whether the rules as stored (not as edited) hold a sequential rule.</summary>
    public bool StoredHasSequential { get; private set; }

    /// <summary>Whether the rows differ from the rules as last loaded or saved.</summary>
    public bool IsDirty => !_stored.SequenceEqual(Rules.Select(r => r.ToDraft()));

    private List<RuleDraft> _stored = [];

    /// <summary>Starts over from stored rules.</summary>
    public void Load(FamilyRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Version = rules.Version;
        StoredHasSequential = rules.Rules.Any(r => r.IsSequential);
        Rules.Clear();
        Rules.AddRange(rules.Rules.Select(EditableRule.From));
        _stored = Rules.Select(r => r.ToDraft()).ToList();
        Errors = null;
    }

    /// <summary>Adds a row with the defaults.</summary>
    public void Add() => Rules.Add(EditableRule.New());

    /// <summary>Removes a row.</summary>
    public void Remove(int index) => Rules.RemoveAt(index);

    /// <summary>The field prefix of a row, as the API writes it.</summary>
    public static string Prefix(int index) => $"[{index}].";

    /// <summary>The error of one field of one row, or null.</summary>
    public string? ErrorOf(int index, string field) => Errors?.For(Prefix(index) + field) is [var first, ..] ? first : null;

    /// <summary>
    /// The drafts to save, or null with <see cref="Errors"/> set: empty fields are named here, the rest by Core's own
    /// check (the same the API runs).
    /// </summary>
    public IReadOnlyList<RuleDraft>? Drafts()
    {
        var errors = new ValidationErrors();
        for (var i = 0; i < Rules.Count; i++)
        {
            var row = Rules[i];
            var empty = row.EmptyFields().ToList();
            foreach (var field in empty)
            {
                errors.Add(Prefix(i) + field, $"Give {field} a value.");
            }

            if (empty.Count == 0)
            {
                row.ToDraft().ToRule(row.Id ?? 0, errors, Prefix(i));
            }
        }

        Errors = errors.IsEmpty ? null : errors;
        return Errors is null ? Rules.Select(r => r.ToDraft()).ToList() : null;
    }

    /// <summary>Takes the server's verdict on a save: its field errors, or the saved rules.</summary>
    public void Saved(ValidationErrors? errors, FamilyRules? saved)
    {
        Errors = errors;
        if (saved is not null)
        {
            Load(saved);
        }
    }

    /// <summary>The rules as they stand on the page, unsaved edits included (rows with an empty or bad value are left out until fixed).</summary>
    public IReadOnlyList<Rule> Edited() =>
        Rules.Select((r, i) => r.EmptyFields().Any() ? null : r.ToDraft().ToRule(r.Id ?? -(i + 1), new ValidationErrors())).OfType<Rule>().ToList();

    /// <summary>Takes a typed readiness percent (1–50, two decimals) or says why not; never clamps.</summary>
    public void SetReadinessPercent(double? percent)
    {
        if (percent is not { } p || !double.IsFinite(p) || p < 1 || p > 50 || Math.Round(p, 2) != p)
        {
            ReadinessPercentError = $"A canary percent is from 1 to 50 with at most two decimals{(percent is { } v ? $" ({v.ToString("G6", C)} is not)" : "")}.";
            return;
        }

        ReadinessPercent = p;
        ReadinessPercentError = null;
    }

    /// <summary>Starts readiness at the family's own canary percent.</summary>
    public void StartAt(double? canaryPercent)
    {
        if (canaryPercent is { } p)
        {
            ReadinessPercent = p;
            ReadinessPercentError = null;
        }
    }
}
