using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// McNemar's test for paired success/failure (a shadow's pairs): only the discordant pairs count.
/// χ² = (|b − c| − 1)² / (b + c) with the continuity correction, (b − c)² / (b + c) without, on 1 degree of freedom,
/// as R's <c>mcnemar.test</c> on a 2×2 table.
/// </summary>
public static class McNemarTest
{
    /// <summary>
    /// <paramref name="onlyA"/>: pairs where A succeeded and B failed; <paramref name="onlyB"/>: the reverse. With
    /// no discordant pair there is no evidence of a difference: statistic 0, p-value 1 (R answers NaN).
    /// </summary>
    public static ChiSquareResult Compare(long onlyA, long onlyB, bool continuityCorrection = true)
    {
        Guard.NonNegative(onlyA, nameof(onlyA));
        Guard.NonNegative(onlyB, nameof(onlyB));
        var discordant = (double)onlyA + onlyB;
        if (discordant == 0)
        {
            return new ChiSquareResult(0, 1, 1);
        }

        var distance = Math.Abs((double)onlyA - onlyB) - (continuityCorrection ? 1 : 0);
        var statistic = distance * distance / discordant;
        return new ChiSquareResult(statistic, 1, ChiSquareGoodnessOfFit.UpperTail(statistic, 1));
    }
}
