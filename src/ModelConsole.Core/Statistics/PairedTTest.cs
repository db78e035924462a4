using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// The paired t-test for shadow comparisons (the same request served by both bundles): a one-sample t-test of the
/// differences B − A, as R's <c>t.test(b, a, paired = TRUE)</c>, with ν = pairs − 1.
/// </summary>
public static class PairedTTest
{
    /// <summary>From the paired values: <paramref name="a"/>[i] and <paramref name="b"/>[i] are the same request.</summary>
    public static TTestResult Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new InputOutOfRangeException(nameof(b), b.Count, $"A paired test needs as many values in b as in a ({a.Count}).");
        }

        var differences = new double[a.Count];
        for (var i = 0; i < differences.Length; i++)
        {
            differences[i] = b[i] - a[i];
        }

        return FromDifferences(SampleSummary.FromSamples(differences), confidence);
    }

    /// <summary>
    /// From the summary of the differences B − A. When they do not vary at all the difference is known exactly: t
    /// is 0 with p-value 1 if it is 0, infinite with p-value 0 otherwise.
    /// </summary>
    public static TTestResult FromDifferences(SampleSummary differences, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(differences);
        differences.Check(nameof(differences));
        Guard.Probability(confidence, nameof(confidence));

        var se = differences.StdDev / Math.Sqrt(differences.Count);
        return TTest.FromDifference(differences.Mean, se, differences.Count - 1, confidence);
    }
}
