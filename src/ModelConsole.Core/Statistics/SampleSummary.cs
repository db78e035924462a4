using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// Count, mean and sample standard deviation (n − 1 denominator) of one arm: all a t-test needs, so rollups can
/// carry these instead of raw values.
/// </summary>
public sealed record SampleSummary(long Count, double Mean, double StdDev)
{
    public static SampleSummary FromSamples(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2)
        {
            throw new InputOutOfRangeException(nameof(values), values.Count, "A standard deviation needs at least 2 values.");
        }

        var mean = 0.0;
        foreach (var value in values)
        {
            Guard.Finite(value, nameof(values));
            mean += value;
        }

        mean /= values.Count;

        // Two passes: the sum of squared deviations does not cancel the way Σx² − n·mean² does.
        var squares = 0.0;
        foreach (var value in values)
        {
            squares += (value - mean) * (value - mean);
        }

        return new SampleSummary(values.Count, mean, Math.Sqrt(squares / (values.Count - 1)));
    }

    internal void Check(string name)
    {
        if (Count < 2)
        {
            throw new InputOutOfRangeException(name, Count, $"{name} needs at least 2 observations.");
        }

        Guard.Finite(Mean, name);
        Guard.NonNegative(StdDev, name);
    }
}
