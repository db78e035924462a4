namespace ModelConsole.Core.Statistics;

/// <summary>
/// A two-proportion z-test: the proportions, their difference B − A, the pooled z, the two-sided p-value and the
/// confidence interval of the difference (unpooled standard error).
/// </summary>
public sealed record ZTestResult(
    double ProportionA,
    double ProportionB,
    double Difference,
    double Z,
    double PValue,
    double CiLow,
    double CiHigh,
    double Confidence);

/// <summary>
/// A t-test: the difference of means B − A (or the mean paired difference), its standard error, t, the degrees of
/// freedom, the two-sided p-value and the confidence interval of the difference.
/// </summary>
public sealed record TTestResult(
    double Difference,
    double StandardError,
    double T,
    double DegreesOfFreedom,
    double PValue,
    double CiLow,
    double CiHigh,
    double Confidence);

/// <summary>A chi-square test: the statistic, its degrees of freedom and the upper-tail p-value.</summary>
public sealed record ChiSquareResult(double Statistic, int DegreesOfFreedom, double PValue);
