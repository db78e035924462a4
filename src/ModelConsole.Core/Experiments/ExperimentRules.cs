namespace ModelConsole.Core.Experiments;

/// <summary>The limits of an A/B experiment (DESIGN.md "Pipeline rules", API.md "Experiments and planner").</summary>
public static class ExperimentRules
{
    public const double MinSplitBPercent = 1;
    public const double MaxSplitBPercent = 50;
}
