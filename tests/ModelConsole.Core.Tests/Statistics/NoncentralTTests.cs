using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using ModelConsole.Core.Statistics;

namespace ModelConsole.Core.Tests.Statistics;

public class NoncentralTTests
{
    // Published in the GNU Octave statistics package's nctcdf tests (inst/dist_fun/nctcdf.m); the same digits come
    // out of a 30-digit numerical integration of E[Φ(t·√(V/ν) − δ)], V ~ χ²(ν) (mpmath), done when writing this.
    [Theory]
    [InlineData(-2.0, 10, 1, 0.003302485766631558)]
    [InlineData(-1.9, 10, 1, 0.004084668193532631)]
    [InlineData(-1.8, 10, 1, 0.005052800319478737)]
    [InlineData(2.0, 10, 1, 0.8076115625303751)]
    [InlineData(12.0, 10, 3, 0.9997719343243797)]
    [InlineData(2.0, 3, 2, 0.4430757822176028)]
    public void Cdf_MatchesPublishedValues(double t, double df, double ncp, double expected)
    {
        Assert.Equal(expected, NoncentralT.Cdf(t, df, ncp), 1e-12);
    }

    [Theory]
    [InlineData(2.0, 3, 2, 0.5569242177823971)]
    [InlineData(3.0, 3, 2, 0.3199728259444777)]
    [InlineData(6.0, 3, 2, 0.07064855592441913)]
    public void UpperTail_MatchesPublishedValues(double t, double df, double ncp, double expected)
    {
        Assert.Equal(expected, NoncentralT.UpperTail(t, df, ncp), 1e-12);
    }

    [Theory]
    [InlineData(-3.0, 1)]
    [InlineData(-0.5, 2.5)]
    [InlineData(0.0, 7)]
    [InlineData(0.7, 17.776)]
    [InlineData(2.1, 38)]
    [InlineData(4.0, 1000)]
    public void Cdf_WithNoncentralityZero_IsMathNetsCentralT(double t, double df)
    {
        Assert.Equal(StudentT.CDF(0, 1, df, t), NoncentralT.Cdf(t, df, 0), 1e-15);
    }

    // An independent method: T' = (Z + δ)/W with W = √(χ²ν/ν), so P(T' ≤ t) = E[Φ(t·W − δ)], integrated numerically
    // over W's density. Fractional ν, both signs of t and δ, and the reflection branch are all covered.
    [Theory]
    [InlineData(1.0, 1, 0.5)]
    [InlineData(-1.5, 4.5, 1.2)]
    [InlineData(2.0, 17.3, -0.8)]
    [InlineData(-0.3, 9, -2.5)]
    [InlineData(3.5, 30, 2.8)]
    [InlineData(1.7, 120, 4.0)]
    [InlineData(0.2, 2, 6.0)]
    public void Cdf_AgreesWithNumericalIntegrationOfItsDefinition(double t, double df, double ncp)
    {
        double Integrand(double w) =>
            Normal.CDF(0, 1, t * w - ncp) * ChiSquared.PDF(df, df * w * w) * 2 * df * w;

        var expected = Integrate.GaussKronrod(Integrand, 0, 1, 1e-13, 30, 61) + Integrate.GaussKronrod(Integrand, 1, 25, 1e-13, 30, 61);

        Assert.Equal(expected, NoncentralT.Cdf(t, df, ncp), 1e-9);
    }

    [Theory]
    [InlineData(1.3, 12, 0.9)]
    [InlineData(-2.2, 5, -1.4)]
    [InlineData(0.4, 40, 2.2)]
    public void Cdf_IsReflectedByNegatingBothTAndNoncentrality(double t, double df, double ncp)
    {
        Assert.Equal(1 - NoncentralT.Cdf(-t, df, -ncp), NoncentralT.Cdf(t, df, ncp), 1e-12);
    }

    [Fact]
    public void Cdf_RisesWithT()
    {
        var previous = 0.0;
        for (var t = -6.0; t <= 12; t += 0.25)
        {
            var p = NoncentralT.Cdf(t, 8, 2.5);
            Assert.True(p >= previous, $"F({t}) = {p} fell below {previous}");
            previous = p;
        }
    }

    [Fact]
    public void Cdf_IsContinuousWhereItSwitchesToTheNormalApproximationForHugeDf()
    {
        // R's pt uses Abramowitz & Stegun 26.7.10 above 4e5 degrees of freedom; the two sides must meet.
        var series = NoncentralT.Cdf(2.2, 399_999, 1.9);
        var approximation = NoncentralT.Cdf(2.2, 400_001, 1.9);

        Assert.Equal(series, approximation, 1e-6);
    }

    [Fact]
    public void Cdf_AtTheExtremes_IsZeroOrOne()
    {
        Assert.Equal(0, NoncentralT.Cdf(double.NegativeInfinity, 5, 1));
        Assert.Equal(1, NoncentralT.Cdf(double.PositiveInfinity, 5, 1));
        Assert.Equal(Normal.CDF(0, 1, -1.5), NoncentralT.Cdf(0, 5, 1.5), 1e-15);
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(1, -2, 1)]
    [InlineData(1, 5, double.NaN)]
    [InlineData(double.NaN, 5, 1)]
    public void Cdf_RefusesInvalidArguments(double t, double df, double ncp)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => NoncentralT.Cdf(t, df, ncp));
    }
}
