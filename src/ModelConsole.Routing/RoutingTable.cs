using System.Collections.Frozen;

namespace ModelConsole.Routing;

/// <summary>A family's canary: its bundle and percent of subjects.</summary>
public sealed record CanaryRoute(string Bundle, double Percent)
{
    internal int Threshold { get; } = Bucketing.Threshold(Percent);
}

/// <summary>A family's shadow: its bundle and the percent of requests mirrored to it.</summary>
public sealed record ShadowRoute(string Bundle, double MirrorPercent)
{
    internal int Threshold { get; } = Bucketing.Threshold(MirrorPercent);
}

/// <summary>A family's running experiment: its id (the bucketing salt), its arms and arm B's share.</summary>
public sealed record ExperimentRoute(string Id, string ArmA, string ArmB, double SplitBPercent)
{
    internal int Threshold { get; } = Bucketing.Threshold(SplitBPercent);
}

/// <summary>One family's routing: what serves, what is canaried, mirrored or experimented on.</summary>
public sealed record FamilyRoute(
    string Family,
    long RoutingVersion,
    string? Active,
    IReadOnlyList<FallbackTarget> ActiveFallbacks,
    CanaryRoute? Canary,
    IReadOnlyList<FallbackTarget> CanaryFallbacks,
    ShadowRoute? Shadow,
    ExperimentRoute? Experiment)
{
    internal string ShadowSalt { get; } = Family + "/shadow";

    /// <summary>True while a canary or an experiment divides the family's subjects (OpenFeature's reason SPLIT, else STATIC).</summary>
    public bool IsSplit => Canary is not null || Experiment is not null;

    /// <summary>The family's candidate: its CANARY bundle, else its SHADOW bundle.</summary>
    public string? Candidate => Canary?.Bundle ?? Shadow?.Bundle;
}

/// <summary>Whether a subject could be routed.</summary>
public enum RouteOutcome
{
    Served,
    UnknownFamily,
    NoActiveBundle,
}

/// <summary>The answer for one subject; a struct that only points at the snapshot's own strings (no allocation).</summary>
public readonly record struct RouteDecision(
    RouteOutcome Outcome,
    FamilyRoute? Route,
    string? Bundle,
    Stage Stage,
    IReadOnlyList<FallbackTarget> Fallbacks,
    string? MirrorTo,
    char ExperimentArm);

/// <summary>
/// An immutable snapshot of every family's routing, versioned. Resolving reads it only: no database, no lock.
/// A new snapshot replaces the old one whole after every committed change.
/// </summary>
public sealed class RoutingTable
{
    public static readonly RoutingTable Empty = new(0, []);

    public RoutingTable(long version, IEnumerable<FamilyRoute> families)
    {
        Version = version;
        Families = families.ToFrozenDictionary(f => f.Family, StringComparer.Ordinal);
    }

    /// <summary>The global version: the sum of the families' routing versions, so any family's change bumps it.</summary>
    public long Version { get; }

    public FrozenDictionary<string, FamilyRoute> Families { get; }

    public RouteDecision Resolve(string family, string subject)
    {
        if (!Families.TryGetValue(family, out var route))
        {
            return new RouteDecision(RouteOutcome.UnknownFamily, null, null, default, [], null, '\0');
        }

        if (route.Active is null)
        {
            return new RouteDecision(RouteOutcome.NoActiveBundle, route, null, default, [], null, '\0');
        }

        var mirrorTo = route.Shadow is { } shadow && Bucketing.Bucket(route.ShadowSalt, subject) < shadow.Threshold ? shadow.Bundle : null;

        // A running experiment replaces the canary split for its family.
        if (route.Experiment is { } experiment)
        {
            var armB = Bucketing.Bucket(experiment.Id, subject) < experiment.Threshold;
            return armB
                ? new RouteDecision(RouteOutcome.Served, route, experiment.ArmB, Stage.Canary, route.CanaryFallbacks, mirrorTo, 'B')
                : new RouteDecision(RouteOutcome.Served, route, experiment.ArmA, Stage.Active, route.ActiveFallbacks, mirrorTo, 'A');
        }

        if (route.Canary is { } canary && Bucketing.Bucket(route.Family, subject) < canary.Threshold)
        {
            return new RouteDecision(RouteOutcome.Served, route, canary.Bundle, Stage.Canary, route.CanaryFallbacks, mirrorTo, '\0');
        }

        return new RouteDecision(RouteOutcome.Served, route, route.Active, Stage.Active, route.ActiveFallbacks, mirrorTo, '\0');
    }
}
