namespace ModelConsole.Core.Thresholds;

/// <summary>A family's health as the overview, the families list and <c>GET /families</c> show it (API.md "Families").</summary>
public enum Health
{
    /// <summary>No rule of the family has been evaluated yet.</summary>
    Unknown,

    /// <summary>Every rule that could judge passed.</summary>
    Ok,

    /// <summary>Evaluated, but every rule was inconclusive for lack of samples (or of a reference).</summary>
    NoData,

    /// <summary>An alert rule is breaching, or an alert is open.</summary>
    Warning,

    /// <summary>A rollback rule is breaching on a live bundle.</summary>
    Breach,

    /// <summary>An automatic rollback happened within <see cref="FamilyHealth.RolledBackFor"/> and no one has acknowledged it.</summary>
    RolledBack,
}

/// <summary>The latest verdict one rule gave one live bundle of the family.</summary>
public readonly record struct RuleVerdictSeen(RuleAction Action, VerdictKind Verdict);

/// <summary>An alert of the family that bears on its health: open, or an unacknowledged automatic rollback.</summary>
public readonly record struct HealthAlert(long Id, RuleAction Action, bool Open, bool Acknowledged, DateTime RaisedAt, DateTime? RolledBackAt);

/// <summary>What a family's health is, and the alert that explains it.</summary>
public readonly record struct FamilyHealthView(Health Health, int OpenAlerts, long? AlertId);

/// <summary>
/// The one place that decides a family's health from its rules' latest verdicts (live bundles, current rules) and its
/// alerts. The worst condition wins: rolledBack, breach, warning, ok, noData, unknown.
/// </summary>
public static class FamilyHealth
{
    /// <summary>How long an unacknowledged automatic rollback keeps a family "rolledBack" (API.md: the last hour).</summary>
    public static readonly TimeSpan RolledBackFor = TimeSpan.FromHours(1);

    /// <summary>The wire name of a health value (API.md "Families").</summary>
    public static string ToWire(this Health health) => health switch
    {
        Health.Ok => "ok",
        Health.NoData => "noData",
        Health.Warning => "warning",
        Health.Breach => "breach",
        Health.RolledBack => "rolledBack",
        _ => "unknown",
    };

    /// <summary>The family's health at <paramref name="now"/>.</summary>
    public static FamilyHealthView Decide(IEnumerable<RuleVerdictSeen> verdicts, IEnumerable<HealthAlert> alerts, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        ArgumentNullException.ThrowIfNull(alerts);
        var list = alerts.ToList();
        var open = list.Where(a => a.Open).ToList();

        var rolledBack = list
            .Where(a => a is { Action: RuleAction.Rollback, Acknowledged: false, RolledBackAt: { } at } && now - at <= RolledBackFor)
            .OrderByDescending(a => a.RolledBackAt)
            .Select(a => (long?)a.Id)
            .FirstOrDefault();
        if (rolledBack is not null)
        {
            return new FamilyHealthView(Health.RolledBack, open.Count, rolledBack);
        }

        // The alert that explains the state: the newest open one of the worst action, unacknowledged first.
        var worstOpen = open
            .OrderByDescending(a => a.Action == RuleAction.Rollback)
            .ThenBy(a => a.Acknowledged)
            .ThenByDescending(a => a.RaisedAt)
            .Select(a => (long?)a.Id)
            .FirstOrDefault();

        var seen = verdicts.ToList();
        var health = Health.Unknown;
        if (seen.Any(v => v is { Action: RuleAction.Rollback, Verdict: VerdictKind.Breach }) || open.Any(a => a.Action == RuleAction.Rollback))
        {
            health = Health.Breach;
        }
        else if (seen.Any(v => v.Verdict == VerdictKind.Breach) || open.Count > 0)
        {
            health = Health.Warning;
        }
        else if (seen.Any(v => v.Verdict == VerdictKind.Pass))
        {
            health = Health.Ok;
        }
        else if (seen.Count > 0)
        {
            health = Health.NoData;
        }

        return new FamilyHealthView(health, open.Count, worstOpen);
    }
}
