namespace ModelConsole.Core.Statistics;

/// <summary>Which way a minimum detectable effect is sought from the baseline (it matters for proportions, whose variance depends on the level).</summary>
public enum EffectDirection
{
    Increase,
    Decrease,
}
