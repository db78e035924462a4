using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Thresholds;

/// <summary>
/// A silence of a family's alerts (or of one rule's) until <see cref="EndsAt"/>: a silenced alert is stored and listed
/// but neither toasted nor sent to the webhook. Automatic rollback is never silenced.
/// </summary>
public sealed record Silence(long Id, string Family, long? RuleId, string Reason, string CreatedBy, DateTime CreatedAt, DateTime EndsAt, DateTime? EndedAt, string? EndedBy)
{
    /// <summary>True while it silences: not ended by hand and not past its end.</summary>
    public bool IsActive(DateTime now) => EndedAt is null && now < EndsAt;

    /// <summary>True when it silences an alert of <paramref name="ruleId"/> raised at <paramref name="now"/>; never a rollback rule's.</summary>
    public bool Covers(long ruleId, RuleAction action, DateTime now) =>
        action == RuleAction.Alert && IsActive(now) && (RuleId is null || RuleId == ruleId);
}

/// <summary>A silence as a caller asks for it (API.md: <c>{ minutes (1–1440), reason, ruleId? }</c>).</summary>
public sealed record SilenceDraft(int? Minutes, string? Reason, long? RuleId)
{
    public const int MaxMinutes = 1440;
    public const int MaxReasonLength = 2000;

    /// <summary>The field errors; empty when the draft can be stored. Whether the rule is the family's is the store's to check.</summary>
    public ValidationErrors Validate()
    {
        var errors = new ValidationErrors();
        if (Minutes is not (>= 1 and <= MaxMinutes))
        {
            errors.Add("minutes", $"minutes is how long the silence lasts: a whole number from 1 to {MaxMinutes} (24 hours).");
        }

        if (string.IsNullOrWhiteSpace(Reason))
        {
            errors.Add("reason", "Say why the alerts are silenced, for the next person on call.");
        }
        else if (Reason.Trim().Length > MaxReasonLength)
        {
            errors.Add("reason", $"The reason is at most {MaxReasonLength} characters.");
        }

        if (RuleId is <= 0)
        {
            errors.Add("ruleId", "ruleId is the id of one of the family's rules; leave it out to silence every alert rule.");
        }

        return errors;
    }
}
