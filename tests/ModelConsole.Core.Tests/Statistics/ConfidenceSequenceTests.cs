using MathNet.Numerics.Distributions;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Tests.Statistics;

/// <summary>
/// The asymptotic confidence sequence against values worked by hand from its formula (DESIGN.md "Sequential
/// decisions": ρ² = (−2 ln α + ln(1 − 2 ln α))/N*, h(n) = s·√(2(nρ² + 1)·ln(√(nρ² + 1)/α))/(nρ), s = √n·SE,
/// p(n) = min(1, √(nρ² + 1)·exp(−n²ρ²θ̂²/(2s²(nρ² + 1))))), and its time-uniform coverage by simulation.
/// </summary>
public class ConfidenceSequenceTests
{
    [Fact]
    public void Rho2_IsTheFormulasValue()
    {
        // −2 ln 0.05 = 5.991465, ln(1 + 5.991465) = 1.944691; (5.991465 + 1.944691)/4000 = 0.00198404.
        Assert.Equal(0.0019840386504, ConfidenceSequence.Rho2(0.05, 4000), 1e-12);
    }

    // (events A, trials A, events B, trials B, α, N*) → (difference, SE, low, high, p)
    [Theory]
    // Unequal arms, nothing to see: 2 % of 2,000 against 3 % of 1,000, tuned at 4,000.
    [InlineData(40, 2000, 30, 1000, 0.05, 4000, 0.01, 0.00623698645, -0.00898227182, 0.02898227182, 0.87727191901)]
    // Equal arms, 2 % against 2.6 % of 10,000 each: the fixed z-test would say p = 0.0047; always valid, 0.085.
    [InlineData(200, 10000, 260, 10000, 0.05, 20000, 0.006, 0.00211952825, -0.00043321120, 0.01243321120, 0.08515031145)]
    // A 5 % canary: 950 of 47,500 against 75 of 2,500.
    [InlineData(950, 47500, 75, 2500, 0.05, 4000, 0.01, 0.00347169002, -0.00135910829, 0.02135910829, 0.16472518085)]
    // Far past its tuning (n = 200,000 against N* = 1,000): wide, and p capped at 1.
    [InlineData(2000, 100000, 2100, 100000, 0.05, 1000, 0.001, 0.00063371129, -0.00131718844, 0.00331718844, 1.0)]
    // A real doubling, 2 % → 4 % of 5,000 each: excluded, p tiny.
    [InlineData(100, 5000, 200, 5000, 0.05, 10000, 0.02, 0.00340587727, 0.00966245068, 0.03033754932, 6.693686971e-07)]
    public void Rates_MatchTheFormulaWorkedByHand(long xA, long nA, long xB, long nB, double alpha, double tuning,
        double difference, double se, double low, double high, double p)
    {
        var interval = ConfidenceSequence.Rates(xA, nA, xB, nB, alpha, tuning);
        Assert.Equal(difference, interval.Estimate, 1e-12);
        Assert.Equal(se, interval.StandardError, 1e-10);
        Assert.Equal(low, interval.Low, 1e-10);
        Assert.Equal(high, interval.High, 1e-10);
        Assert.Equal(p, interval.PValue, 1e-10);
        Assert.Equal(nA + nB, interval.Samples);
        // p < α exactly when the interval excludes 0.
        Assert.Equal(interval.Low > 0 || interval.High < 0, interval.PValue < alpha);
    }

    [Fact]
    public void Means_MatchTheFormulaWorkedByHand()
    {
        // 500 at 4.1 ± 1.2 against 480 at 3.9 ± 1.3, α = 0.1, N* = 2,000:
        // SE = √(1.44/500 + 1.69/480) = 0.08000521, n = 980, half-width 0.22567294, p = 0.19069563.
        var interval = ConfidenceSequence.Means(new SampleSummary(500, 4.1, 1.2), new SampleSummary(480, 3.9, 1.3), 0.1, 2000);
        Assert.Equal(-0.2, interval.Estimate, 1e-12);
        Assert.Equal(0.08000520816, interval.StandardError, 1e-10);
        Assert.Equal(-0.42567293715, interval.Low, 1e-10);
        Assert.Equal(0.02567293715, interval.High, 1e-10);
        Assert.Equal(0.19069562903, interval.PValue, 1e-10);
    }

    [Fact]
    public void AOneSidedGuardrail_IsTheSequenceAtTwiceAlpha_ReadOnOneSide()
    {
        // The 5 % canary above as a guardrail at α = 0.05 (higher is worse): the sequence at 0.10 gives a lower end of
        // −0.00047404 (still below 0: no regression shown yet) and a one-sided p of 0.14882526/2 = 0.07441263.
        var (difference, se) = ConfidenceSequence.RateDifference(950, 47500, 75, 2500);
        var guard = ConfidenceSequence.OneSided(difference, se, 50000, 0.05, 4000, higherIsWorse: true);
        Assert.Equal(-0.00047403780, guard.Low, 1e-10);
        Assert.Equal(double.PositiveInfinity, guard.High);
        Assert.Equal(0.07441263016, guard.PValue, 1e-10);
        Assert.Equal(0.05, guard.Alpha);

        // The same difference judged where lower is worse: it is an improvement, nothing to reject.
        var lowerIsWorse = ConfidenceSequence.OneSided(difference, se, 50000, 0.05, 4000, higherIsWorse: false);
        Assert.Equal(1, lowerIsWorse.PValue);
        Assert.Equal(double.NegativeInfinity, lowerIsWorse.Low);
        Assert.Equal(difference + guard.HalfWidth, lowerIsWorse.High, 1e-12);
    }

    [Fact]
    public void Strata_AreWeightedByTheCandidatesShare()
    {
        // Two ramp steps: +0.01 (SE 0.004) over 100 candidate calls and −0.002 (SE 0.001) over 400.
        // (0.2·0.01 + 0.8·(−0.002)) = 0.0004; SE = √(0.2²·0.004² + 0.8²·0.001²) = 0.00113137.
        var (difference, se) = ConfidenceSequence.Stratified([(0.01, 0.004, 100), (-0.002, 0.001, 400)]);
        Assert.Equal(0.0004, difference, 1e-12);
        Assert.Equal(0.00113137085, se, 1e-10);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void ALevelOutsideZeroToOne_IsRefused(double alpha) =>
        Assert.Throws<InputOutOfRangeException>(() => ConfidenceSequence.Rates(1, 10, 2, 10, alpha, 100));

    [Fact]
    public void ATwoSidedSequence_CoversTheTrueDifference_AtEveryLook()
    {
        // 2,000 seeded runs of 200 looks (100 calls per arm per look, 2 % against 3 %), read at every look after a
        // burn-in of 1,000 samples: the share of runs whose interval ever misses the true 0.01 is at most α plus two
        // standard errors of the simulation.
        const double alpha = 0.05, pA = 0.02, pB = 0.03;
        var misses = Simulate(seed: 11, (eventsA, trialsA, eventsB, trialsB) =>
        {
            var interval = ConfidenceSequence.Rates(eventsA, trialsA, eventsB, trialsB, alpha, 4000);
            return interval.Low > pB - pA || interval.High < pB - pA;
        }, pA, pB);
        Assert.InRange(misses, 0, alpha + 2 * Math.Sqrt(alpha * (1 - alpha) / Runs));

        // A fixed 95 % interval read at every look misses far more often: the reason for the sequence.
        var fixedMisses = Simulate(seed: 11, (eventsA, trialsA, eventsB, trialsB) =>
        {
            var z = TwoProportionZTest.Compare(eventsA, trialsA, eventsB, trialsB);
            return z.CiLow > pB - pA || z.CiHigh < pB - pA;
        }, pA, pB);
        Assert.True(fixedMisses > 3 * alpha, $"fixed interval missed in {fixedMisses:P1} of runs");
    }

    [Fact]
    public void AOneSidedGuardrail_OnIdenticalArms_RaisesAtMostAlpha()
    {
        const double alpha = 0.05;
        var alarms = Simulate(seed: 23, (eventsA, trialsA, eventsB, trialsB) =>
        {
            var (difference, se) = ConfidenceSequence.RateDifference(eventsA, trialsA, eventsB, trialsB);
            return ConfidenceSequence.OneSided(difference, se, trialsA + trialsB, alpha, 4000, higherIsWorse: true).Low > 0;
        }, 0.02, 0.02);
        Assert.InRange(alarms, 0, alpha + 2 * Math.Sqrt(alpha * (1 - alpha) / Runs));
    }

    private const int Runs = 2000;

    private static double Simulate(int seed, Func<long, long, long, long, bool> missesAtLook, double pA, double pB)
    {
        var random = new Random(seed);
        var missed = 0;
        for (var run = 0; run < Runs; run++)
        {
            long eventsA = 0, eventsB = 0, trials = 0;
            for (var look = 1; look <= 200; look++)
            {
                eventsA += Binomial.Sample(random, pA, 100);
                eventsB += Binomial.Sample(random, pB, 100);
                trials += 100;
                if (2 * trials >= 1000 && eventsA + eventsB > 0 && missesAtLook(eventsA, trials, eventsB, trials))
                {
                    missed++;
                    break;
                }
            }
        }

        return (double)missed / Runs;
    }
}
