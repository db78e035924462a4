using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class TTestTests
{
    // R's sleep data (Cushny & Peebles): extra hours of sleep under drug 1 and drug 2, the same ten patients.
    private static readonly double[] Group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    private static readonly double[] Group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

    [Fact]
    public void Welch_MatchesRsTTestOnTheSleepData()
    {
        // t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939,
        // 95 % CI -3.3654832 0.2054832 of group 1 − group 2. Here A is group 1 and B group 2, so signs flip.
        var result = WelchTTest.Compare(Group1, Group2);

        Assert.Equal(1.58, result.Difference, 1e-12);
        Assert.Equal(1.8608, result.T, 5e-5);
        Assert.Equal(17.776, result.DegreesOfFreedom, 5e-4);
        Assert.Equal(0.07939, result.PValue, 5e-6);
        Assert.Equal(-0.2054832, result.CiLow, 5e-8);
        Assert.Equal(3.3654832, result.CiHigh, 5e-8);
    }

    [Fact]
    public void Welch_FromSummaries_MatchesRsTTestOnTheSleepData()
    {
        // The same test from count, mean and sd alone; R: sd(group 1) = 1.789010, sd(group 2) = 2.002249.
        var result = WelchTTest.Compare(new SampleSummary(10, 0.75, 1.789010), new SampleSummary(10, 2.33, 2.002249));

        Assert.Equal(1.8608, result.T, 5e-5);
        Assert.Equal(17.776, result.DegreesOfFreedom, 5e-4);
        Assert.Equal(0.07939, result.PValue, 5e-6);
        Assert.Equal(-0.2054832, result.CiLow, 1e-6);
        Assert.Equal(3.3654832, result.CiHigh, 1e-6);
    }

    [Fact]
    public void Paired_MatchesRsPairedTTestOnTheSleepData()
    {
        // t.test(extra ~ group, data = sleep, paired = TRUE): t = -4.0621, df = 9, p-value = 0.002833,
        // 95 % CI -2.4598858 -0.7001142 of group 1 − group 2; B − A here.
        var result = PairedTTest.Compare(Group1, Group2);

        Assert.Equal(1.58, result.Difference, 1e-12);
        Assert.Equal(4.0621, result.T, 5e-5);
        Assert.Equal(9, result.DegreesOfFreedom);
        Assert.Equal(0.002833, result.PValue, 5e-7);
        Assert.Equal(0.7001142, result.CiLow, 5e-8);
        Assert.Equal(2.4598858, result.CiHigh, 5e-8);
    }

    [Fact]
    public void Paired_FromTheSummaryOfDifferences_MatchesRs()
    {
        // sd(group 2 − group 1) = 1.229995 in R.
        var result = PairedTTest.FromDifferences(new SampleSummary(10, 1.58, 1.229995));

        Assert.Equal(4.0621, result.T, 5e-5);
        Assert.Equal(0.002833, result.PValue, 5e-7);
        Assert.Equal(0.7001142, result.CiLow, 1e-6);
        Assert.Equal(2.4598858, result.CiHigh, 1e-6);
    }

    [Fact]
    public void Welch_WithEqualSizesAndSpreads_HasStudentsDegreesOfFreedom()
    {
        // Textbook: with n_A = n_B and s_A = s_B the Welch–Satterthwaite ν is n_A + n_B − 2.
        var result = WelchTTest.Compare(new SampleSummary(12, 3, 2), new SampleSummary(12, 4, 2));

        Assert.Equal(22, result.DegreesOfFreedom, 1e-12);
    }

    [Fact]
    public void Welch_AnotherConfidence_UsesItsTQuantile()
    {
        var result = WelchTTest.Compare(new SampleSummary(12, 3, 2), new SampleSummary(12, 4, 2), 0.99);

        // qt(0.995, 22) = 2.818756 (t tables); SE = √(4/12 + 4/12) = 0.8164966.
        Assert.Equal(1 - 2.818756 * 0.8164966, result.CiLow, 1e-6);
        Assert.Equal(0.99, result.Confidence);
    }

    [Fact]
    public void TTests_WithoutAnyVariation_KnowTheDifferenceExactly()
    {
        var same = PairedTTest.Compare([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]);
        var shifted = WelchTTest.Compare(new SampleSummary(5, 1, 0), new SampleSummary(5, 2, 0));

        Assert.Equal((0.0, 1.0), (same.T, same.PValue));
        Assert.Equal(double.PositiveInfinity, shifted.T);
        Assert.Equal(0, shifted.PValue);
        Assert.Equal((1.0, 1.0), (shifted.CiLow, shifted.CiHigh));
    }

    [Fact]
    public void Paired_WithUnequalLengths_IsRefused()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => PairedTTest.Compare([1.0, 2.0, 3.0], [1.0, 2.0]));
    }

    [Fact]
    public void Welch_WithFewerThanTwoObservations_IsRefused()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => WelchTTest.Compare([1.0], [1.0, 2.0]));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => WelchTTest.Compare(new SampleSummary(1, 0, 1), new SampleSummary(5, 0, 1)));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => WelchTTest.Compare(new SampleSummary(5, 0, -1), new SampleSummary(5, 0, 1)));
    }

    [Fact]
    public void SampleSummary_FromSamples_IsTheSampleMeanAndSd()
    {
        // By hand: 2, 4, 4, 4, 5, 5, 7, 9 has mean 5, squared deviations summing to 32, sd = √(32/7) = 2.138090.
        var summary = SampleSummary.FromSamples([2.0, 4, 4, 4, 5, 5, 7, 9]);

        Assert.Equal(8, summary.Count);
        Assert.Equal(5, summary.Mean, 1e-15);
        Assert.Equal(Math.Sqrt(32.0 / 7), summary.StdDev, 1e-15);
    }
}
