namespace ModelConsole.Core.Bundles;

/// <summary>The wire names of stages (upper case, as the API writes them).</summary>
public static class Stages
{
    public static readonly IReadOnlyList<Stage> All = [Stage.Staging, Stage.Shadow, Stage.Canary, Stage.Active, Stage.Deprecated];

    /// <summary>The stages that take traffic (served or mirrored).</summary>
    public static readonly Stage[] Live = [Stage.Active, Stage.Canary, Stage.Shadow];

    public static bool IsLive(this Stage stage) => stage is Stage.Active or Stage.Canary or Stage.Shadow;

    public static string ToWire(this Stage stage) => stage switch
    {
        Stage.Staging => "STAGING",
        Stage.Shadow => "SHADOW",
        Stage.Canary => "CANARY",
        Stage.Active => "ACTIVE",
        Stage.Deprecated => "DEPRECATED",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, null),
    };

    public static bool TryParse(string? value, out Stage stage)
    {
        foreach (var s in All)
        {
            if (string.Equals(s.ToWire(), value, StringComparison.OrdinalIgnoreCase))
            {
                stage = s;
                return true;
            }
        }

        stage = default;
        return false;
    }

    /// <summary>The short label a person reads, e.g. "CANARY 5%" or "SHADOW 10% mirrored".</summary>
    public static string Label(Stage stage, double? percent) => stage switch
    {
        Stage.Canary when percent is { } p => $"CANARY {p:0.##}%",
        Stage.Shadow when percent is { } p => $"SHADOW {p:0.##}%",
        _ => stage.ToWire(),
    };
}
