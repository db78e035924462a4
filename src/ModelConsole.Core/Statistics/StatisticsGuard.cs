using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>The argument checks only power calculations need.</summary>
internal static class StatisticsGuard
{
    public static void Sides(Sides sides, string name)
    {
        if (sides is not (Statistics.Sides.One or Statistics.Sides.Two))
        {
            throw new InputOutOfRangeException(name, sides, $"{name} must be 1 (one-sided) or 2 (two-sided).");
        }
    }

    /// <summary>A test whose power is at most its size needs no samples at all: the question is meaningless.</summary>
    public static void PowerAboveSize(double power, double alpha, Sides sides)
    {
        var size = alpha / (int)sides;
        if (!(power > size))
        {
            throw new InputOutOfRangeException(nameof(power), power,
                $"power must be greater than alpha/sides = {size:G4}: a test reaches that with no effect at all.");
        }
    }
}
