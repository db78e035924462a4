using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Statistics;

/// <summary>
/// An always-valid interval of a difference (B − A, or candidate − reference) at the current look: it covers the true
/// difference at every look simultaneously with probability ≥ 1 − α, so it may be read as often as anyone likes.
/// <see cref="Low"/> or <see cref="High"/> is infinite for a one-sided guardrail's open side.
/// </summary>
/// <param name="Estimate">The difference observed.</param>
/// <param name="StandardError">Its standard error (unpooled, the fixed interval's).</param>
/// <param name="Samples">n: the samples of both arms together.</param>
/// <param name="Low">The interval's lower end.</param>
/// <param name="High">The interval's upper end.</param>
/// <param name="PValue">The always-valid p-value at this look: below α exactly when the interval excludes 0.</param>
/// <param name="Alpha">The level α.</param>
/// <param name="TuningSamples">N*, the total sample size the sequence is tightest at (the plan's).</param>
public sealed record AlwaysValidInterval(double Estimate, double StandardError, double Samples, double Low, double High, double PValue, double Alpha, double TuningSamples)
{
    /// <summary>The half-width around the estimate (of the closed side, for a one-sided interval).</summary>
    public double HalfWidth => double.IsFinite(High) ? High - Estimate : Estimate - Low;
}

/// <summary>
/// The asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha, Kennedy and Ramdas, "Time-uniform central limit
/// theory and asymptotic confidence sequences" (Annals of Statistics, 2024; arXiv:2103.06476), the form GrowthBook's
/// "GAVI" uses. For an estimate θ̂ with standard error SE from n samples, s² = n·SE²; tuned for N* samples at level α,
/// ρ² = (−2 ln α + ln(1 − 2 ln α)) / N*; the half-width is
/// h(n) = s·√(2(nρ² + 1)·ln(√(nρ² + 1)/α)) / (nρ), and the p-value
/// p(n) = min(1, √(nρ² + 1)·exp(−n²ρ²θ̂² / (2s²(nρ² + 1)))) — below α exactly when θ̂ ± h(n) excludes 0. The coverage
/// is time-uniform, so no running minimum is kept: any look's decision is valid. A one-sided guardrail uses the same
/// sequence at level 2α and reads one side of it.
/// </summary>
public static class ConfidenceSequence
{
    /// <summary>ρ² for level α tuned at N* samples.</summary>
    public static double Rho2(double alpha, double tuningSamples)
    {
        CheckAlpha(alpha);
        Guard.Positive(tuningSamples, nameof(tuningSamples));
        var logAlpha = Math.Log(alpha);
        return (-2 * logAlpha + Math.Log(1 - 2 * logAlpha)) / tuningSamples;
    }

    /// <summary>h(n) for s = √n·SE, n samples, level α, and ρ².</summary>
    public static double HalfWidth(double s, double samples, double alpha, double rho2)
    {
        Guard.NonNegative(s, nameof(s));
        Guard.Positive(samples, nameof(samples));
        var grown = samples * rho2 + 1;
        return s * Math.Sqrt(2 * grown * Math.Log(Math.Sqrt(grown) / alpha)) / (samples * Math.Sqrt(rho2));
    }

    /// <summary>p(n) of the estimate θ̂ with s = √n·SE after n samples.</summary>
    public static double PValue(double estimate, double s, double samples, double rho2)
    {
        Guard.Finite(estimate, nameof(estimate));
        Guard.NonNegative(s, nameof(s));
        Guard.Positive(samples, nameof(samples));
        var grown = samples * rho2 + 1;
        if (s == 0)
        {
            return estimate == 0 ? 1 : 0;
        }

        var exponent = -samples * samples * rho2 * estimate * estimate / (2 * s * s * grown);
        return Math.Min(1, Math.Sqrt(grown) * Math.Exp(exponent));
    }

    /// <summary>The two-sided interval of an estimate with its standard error after n samples (both arms).</summary>
    public static AlwaysValidInterval TwoSided(double estimate, double standardError, double samples, double alpha, double tuningSamples)
    {
        var rho2 = Rho2(alpha, tuningSamples);
        var s = standardError * Math.Sqrt(samples);
        var h = HalfWidth(s, samples, alpha, rho2);
        return new AlwaysValidInterval(estimate, standardError, samples, estimate - h, estimate + h, PValue(estimate, s, samples, rho2), alpha, tuningSamples);
    }

    /// <summary>
    /// The one-sided interval of a guardrail at level α: the sequence at 2α, its side that bounds the estimate away from
    /// the bad direction (a higher-is-worse difference is bounded below: "at least this much worse"). Its p-value is
    /// half the 2α sequence's when the estimate lies in the bad direction, else 1.
    /// </summary>
    public static AlwaysValidInterval OneSided(double estimate, double standardError, double samples, double alpha, double tuningSamples, bool higherIsWorse)
    {
        CheckAlpha(alpha);
        if (alpha >= 0.5)
        {
            throw Guard.OutOfRange(nameof(alpha), alpha, "A one-sided level is below 0.5.");
        }

        var twice = TwoSided(estimate, standardError, samples, 2 * alpha, tuningSamples);
        var bad = higherIsWorse ? estimate > 0 : estimate < 0;
        var p = bad ? Math.Min(1, twice.PValue / 2) : 1;
        return higherIsWorse
            ? twice with { High = double.PositiveInfinity, PValue = p, Alpha = alpha }
            : twice with { Low = double.NegativeInfinity, PValue = p, Alpha = alpha };
    }

    /// <summary>The difference of rates p_B − p_A, SE = √(p_A(1 − p_A)/n_A + p_B(1 − p_B)/n_B) (no n − 1), n = n_A + n_B.</summary>
    public static AlwaysValidInterval Rates(long eventsA, long trialsA, long eventsB, long trialsB, double alpha, double tuningSamples)
    {
        var (difference, se) = RateDifference(eventsA, trialsA, eventsB, trialsB);
        return TwoSided(difference, se, trialsA + trialsB, alpha, tuningSamples);
    }

    /// <summary>The difference of means B − A, SE = √(v_A/n_A + v_B/n_B) with the sample variances, n = n_A + n_B.</summary>
    public static AlwaysValidInterval Means(SampleSummary a, SampleSummary b, double alpha, double tuningSamples)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var (difference, se) = MeanDifference(a, b);
        return TwoSided(difference, se, a.Count + b.Count, alpha, tuningSamples);
    }

    /// <summary>p_B − p_A and its unpooled standard error.</summary>
    public static (double Difference, double StandardError) RateDifference(double eventsA, double trialsA, double eventsB, double trialsB)
    {
        Guard.Positive(trialsA, nameof(trialsA));
        Guard.Positive(trialsB, nameof(trialsB));
        if (eventsA < 0 || eventsA > trialsA || eventsB < 0 || eventsB > trialsB)
        {
            throw Guard.OutOfRange("events", (eventsA, eventsB), "Events are from 0 to the trials.");
        }

        var pA = eventsA / trialsA;
        var pB = eventsB / trialsB;
        return (pB - pA, Math.Sqrt(pA * (1 - pA) / trialsA + pB * (1 - pB) / trialsB));
    }

    /// <summary>mean_B − mean_A and its Welch standard error.</summary>
    public static (double Difference, double StandardError) MeanDifference(SampleSummary a, SampleSummary b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count < 2 || b.Count < 2)
        {
            throw Guard.OutOfRange("count", (a.Count, b.Count), "Each arm needs at least 2 values.");
        }

        return (b.Mean - a.Mean, Math.Sqrt(a.StdDev * a.StdDev / a.Count + b.StdDev * b.StdDev / b.Count));
    }

    /// <summary>
    /// Strata (ramp steps) combined: each step's difference weighted by its share of the candidate's samples, the
    /// variances by the squared weights — so a ramp or the daily shape cannot make a difference on its own.
    /// </summary>
    public static (double Difference, double StandardError) Stratified(IEnumerable<(double Difference, double StandardError, double Weight)> strata)
    {
        ArgumentNullException.ThrowIfNull(strata);
        double total = 0, sum = 0, variance = 0;
        foreach (var (difference, se, weight) in strata)
        {
            Guard.NonNegative(weight, nameof(weight));
            total += weight;
            sum += weight * difference;
            variance += weight * weight * se * se;
        }

        if (!(total > 0))
        {
            throw Guard.OutOfRange(nameof(strata), total, "At least one stratum with weight is needed.");
        }

        return (sum / total, Math.Sqrt(variance) / total);
    }

    private static void CheckAlpha(double alpha)
    {
        if (!(alpha > 0 && alpha < 1))
        {
            throw Guard.OutOfRange(nameof(alpha), alpha, "alpha is between 0 and 1.");
        }
    }

    /// <summary>
    /// A sample-ratio check valid under repeated looks: the mixture sequential probability ratio test of Lindon and
    /// Malek, "Anytime-Valid Inference for Multinomial Count Data" (NeurIPS 2022), for two arms. Under the planned share
    /// θ₀ of arm B the Bayes factor BF = B(cθ₀ + n_B, c(1 − θ₀) + n_A) / B(cθ₀, c(1 − θ₀)) / (θ₀^n_B (1 − θ₀)^n_A) of a
    /// Beta(cθ₀, c(1 − θ₀)) mixture is a nonnegative martingale, so p = min(1, 1/BF) may be read at every look
    /// (Ville's inequality). The concentration c = <see cref="SrmConcentration"/> is this console's choice.
    /// </summary>
    public static double SampleRatioPValue(long unitsA, long unitsB, double shareB)
    {
        Guard.NonNegative(unitsA, nameof(unitsA));
        Guard.NonNegative(unitsB, nameof(unitsB));
        if (!(shareB > 0 && shareB < 1))
        {
            throw Guard.OutOfRange(nameof(shareB), shareB, "The planned share of arm B is between 0 and 1.");
        }

        var (a, b) = (SrmConcentration * shareB, SrmConcentration * (1 - shareB));
        var logBayesFactor = MathNet.Numerics.SpecialFunctions.BetaLn(a + unitsB, b + unitsA) - MathNet.Numerics.SpecialFunctions.BetaLn(a, b)
            - unitsB * Math.Log(shareB) - unitsA * Math.Log(1 - shareB);
        return Math.Min(1, Math.Exp(-logBayesFactor));
    }

    /// <summary>The Beta mixture's concentration c of <see cref="SampleRatioPValue"/>.</summary>
    public const double SrmConcentration = 100;
}
