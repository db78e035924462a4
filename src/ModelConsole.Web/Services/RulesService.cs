using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// A family's rules as the API and the Rules page use them: read with their version, replaced whole (checked by
/// Core, version-checked, ledgered), and the family evaluated at once with the new rules, whoever saved them.
/// </summary>
public sealed class RulesService(AlertStore store, EvaluationService evaluation)
{
    /// <summary>The family's rules and version, or null for an unknown family.</summary>
    public Task<FamilyRules?> GetAsync(string family, CancellationToken cancellationToken) => store.RulesAsync(family, cancellationToken);

    /// <summary>
    /// Checks every draft (errors keyed <c>{prefix}{index}.field</c>), then replaces the family's rules unless
    /// <paramref name="expectedVersion"/> is stale, and triggers an evaluation. Nothing is saved on any error.
    /// </summary>
    public async Task<Outcome<FamilyRules>> ReplaceAsync(string family, IReadOnlyList<RuleDraft?>? drafts, long? expectedVersion, string actor,
        CancellationToken cancellationToken, Func<int, string>? prefix = null)
    {
        prefix ??= i => $"[{i}].";
        var errors = new ValidationErrors();
        var rules = new List<Rule>();
        if (drafts is null)
        {
            errors.Add("rules", "The body is a JSON array of rules.");
        }
        else if (drafts.Count > RuleDraft.MaxRules)
        {
            errors.Add("rules", $"At most {RuleDraft.MaxRules} rules per family.");
        }
        else
        {
            for (var i = 0; i < drafts.Count; i++)
            {
                if (drafts[i] is not { } draft)
                {
                    errors.Add(prefix(i).TrimEnd('.', ' ', ':'), "A rule is a JSON object.");
                }
                else if (draft.ToRule(draft.Id ?? 0, errors, prefix(i)) is { } rule)
                {
                    rules.Add(rule);
                }
            }
        }

        if (!errors.IsEmpty)
        {
            return Outcome<FamilyRules>.Invalid(errors);
        }

        var (result, saved) = await store.ReplaceRulesAsync(family, rules, expectedVersion, actor, cancellationToken);
        switch (result)
        {
            case RulesWrite.UnknownFamily:
                return Outcome<FamilyRules>.NotFound($"There is no family named '{family}'.");
            case RulesWrite.StaleVersion:
                return Outcome<FamilyRules>.Stale("The rules changed since that version was read: read them again.");
        }

        // The next verdicts use the new rules at once, on every path that saves them.
        _ = evaluation.TriggerAsync(family, CancellationToken.None);
        return Outcome<FamilyRules>.Ok(saved!);
    }

    /// <summary>
    /// The one-click offer to a family made before sequential rules existed: its rules as they are, plus the default
    /// sequential rule, saved (and ledgered) as any change of rules is. Refused when the family already has a
    /// sequential rule, or when the rules moved past <paramref name="expectedVersion"/>.
    /// </summary>
    public async Task<Outcome<FamilyRules>> AddDefaultSequentialAsync(string family, long expectedVersion, string actor, CancellationToken cancellationToken)
    {
        if (await GetAsync(family, cancellationToken) is not { } current)
        {
            return Outcome<FamilyRules>.NotFound($"There is no family named '{family}'.");
        }

        if (current.Rules.Any(r => r.IsSequential))
        {
            return Outcome<FamilyRules>.Conflict("This family already has a sequential rule.");
        }

        return await ReplaceAsync(family, [.. current.Rules.Select(RuleDraft.Of), RuleDraft.DefaultSequential], expectedVersion, actor, cancellationToken);
    }
}
