using MathNet.Numerics.Distributions;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Simulation;

/// <summary>One simulated model call: what a gateway would report about it.</summary>
public readonly record struct SimulatedCall(
    double LatencyMs,
    bool Success,
    string? ErrorType,
    double? QualityScore,
    Feedback Feedback,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    string OutputHash,
    double? Agreement);

/// <summary>
/// Draws simulated calls from a <see cref="BundleBehaviour"/>. Deterministic for a seeded <see cref="Random"/>;
/// not thread-safe (one generator per simulator loop).
/// </summary>
public sealed class TrafficGenerator(Random random)
{
    /// <summary>Share of successful calls a judge scores (quality is reported for those only).</summary>
    public const double ScoredShare = 0.4;

    public const double PositiveFeedbackRate = 0.06;

    /// <summary>How often a shadow's answer matches its primary's when neither is degraded.</summary>
    public const double BaseAgreement = 0.88;

    private const double TimeoutMs = 30_000;

    private static readonly (string Type, double Weight)[] ErrorTypes =
        [("provider_error", 0.45), ("rate_limited", 0.3), ("content_filter", 0.15), ("timeout", 0.1)];

    /// <summary>How many requests arrive in <paramref name="seconds"/> at <paramref name="perSecond"/> (Poisson).</summary>
    public int Arrivals(double perSecond, double seconds)
    {
        var mean = perSecond * seconds;
        return mean > 0 ? Poisson.Sample(random, mean) : 0;
    }

    /// <summary>A subject from a pool of <paramref name="poolSize"/>, e.g. "customer-4711".</summary>
    public string Subject(string prefix, int poolSize) => prefix + "-" + random.Next(poolSize).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public SimulatedCall Call(BundleBehaviour b)
    {
        var latency = LogNormal.Sample(random, Math.Log(b.LatencyMedianMs), b.LatencySigma) + b.AddedLatencyMs;
        var input = Math.Max(1, (long)Math.Round(LogNormal.Sample(random, Math.Log(b.MedianInputTokens), BundleBehaviour.InputSigma)));
        var cached = b.HasCachedPrice && random.NextDouble() < BundleBehaviour.CacheHitShare
            ? (long)Math.Floor(input * BundleBehaviour.CachedPartOnHit)
            : 0;
        var hash = Hash();
        if (random.NextDouble() < b.ErrorRate)
        {
            var type = ErrorType();
            var failedAfter = type == "timeout" ? TimeoutMs : latency * 0.5;
            return new SimulatedCall(failedAfter, false, type, null, Feedback(b), input, 0, cached, hash, null);
        }

        var output = Math.Max(1, (long)Math.Round(LogNormal.Sample(random, Math.Log(b.MedianOutputTokens), BundleBehaviour.OutputSigma)));
        double? quality = random.NextDouble() < ScoredShare ? Quality(b) : null;
        return new SimulatedCall(latency, true, null, quality, Feedback(b), input, output, cached, hash, null);
    }

    /// <summary>
    /// The same request served by a shadow: its own draw from its behaviour, the primary's answer repeated with a
    /// probability that falls as the shadow's quality falls below the primary's.
    /// </summary>
    public SimulatedCall Shadow(SimulatedCall primary, BundleBehaviour primaryBehaviour, BundleBehaviour shadowBehaviour)
    {
        var call = Call(shadowBehaviour);
        var drop = Math.Max(0, primaryBehaviour.QualityMean - shadowBehaviour.QualityMean);
        var agrees = call.Success && primary.Success && random.NextDouble() < Math.Max(0.05, BaseAgreement - 2 * drop);
        var agreement = agrees ? 1.0 : Math.Round(random.NextDouble() * 0.7, 3);
        // Gateways do not ask for feedback on a shadow answer nobody saw.
        return call with { OutputHash = agrees ? primary.OutputHash : call.OutputHash, Agreement = agreement, Feedback = Telemetry.Feedback.None };
    }

    private double Quality(BundleBehaviour b)
    {
        var mean = b.QualityMean;
        var variance = Math.Min(b.QualityStdDev * b.QualityStdDev, mean * (1 - mean) * 0.9);
        var k = mean * (1 - mean) / variance - 1;
        return Math.Round(Beta.Sample(random, mean * k, (1 - mean) * k), 4);
    }

    private Feedback Feedback(BundleBehaviour b)
    {
        var u = random.NextDouble();
        return u < b.NegativeFeedbackRate ? Telemetry.Feedback.Negative
            : u < b.NegativeFeedbackRate + PositiveFeedbackRate ? Telemetry.Feedback.Positive
            : Telemetry.Feedback.None;
    }

    private string ErrorType()
    {
        var u = random.NextDouble();
        foreach (var (type, weight) in ErrorTypes)
        {
            if ((u -= weight) < 0)
            {
                return type;
            }
        }

        return ErrorTypes[0].Type;
    }

    private string Hash()
    {
        Span<byte> bytes = stackalloc byte[8];
        random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
