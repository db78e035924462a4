namespace ModelConsole.Client;

/// <summary>Why a resolve answered what it did (OpenFeature's reason words, plus the client's own two).</summary>
public enum ResolveReason
{
    /// <summary>Only the ACTIVE bundle serves the family.</summary>
    Static,

    /// <summary>A canary or an experiment splits the family (whichever side this subject fell on).</summary>
    Split,

    /// <summary>No table (or no route for this family) yet: the configured default bundle, if any.</summary>
    Default,

    /// <summary>The last table known, which the console has not confirmed for longer than <see cref="ModelConsoleClientOptions.StaleAfter"/>.</summary>
    Stale,
}

/// <summary>
/// The answer for one subject: a struct pointing at the table's own strings, so resolving allocates nothing.
/// <see cref="Bundle"/> is null only when nothing is known for the family and no default is configured.
/// </summary>
public readonly record struct Resolution(
    string Family,
    string? Bundle,
    Stage Stage,
    ResolveReason Reason,
    string? MirrorTo,
    string? ExperimentId,
    char ExperimentArm,
    long RoutingVersion,
    TimeSpan Staleness)
{
    /// <summary>The OpenFeature reason word (<c>STATIC</c>, <c>SPLIT</c>, <c>DEFAULT</c>, <c>STALE</c>).</summary>
    public string ReasonWord => Reason switch
    {
        ResolveReason.Static => "STATIC",
        ResolveReason.Split => "SPLIT",
        ResolveReason.Default => "DEFAULT",
        _ => "STALE",
    };
}
