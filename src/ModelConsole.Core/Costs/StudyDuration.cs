using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Costs;

/// <summary>
/// The <c>POST /planner/duration</c> request: the planned sample size per arm (arm B's when it differs), the
/// traffic, and exactly one of a shadow's mirror percent or a canary's (experiment arm B's) share percent.
/// </summary>
public sealed record DurationRequest(
    double PerArm,
    double RequestsPerDay,
    double? MirrorPercent = null,
    double? SharePercent = null,
    double? PerArmB = null);

/// <summary>
/// How many days of traffic a planned sample size takes (fractional; the page may round up). Multiply by a daily
/// cost from <see cref="ShadowCost"/> or <see cref="CanaryCost"/> for the money those days cost.
/// </summary>
public static class StudyDuration
{
    public static double Days(DurationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (request.MirrorPercent, request.SharePercent) switch
        {
            ({ } mirror, null) => ShadowDays(request.PerArm, request.RequestsPerDay, mirror),
            (null, { } share) => SplitDays(request.PerArm, request.PerArmB ?? request.PerArm, request.RequestsPerDay, share),
            _ => throw new InputOutOfRangeException("mirrorPercent", null, "Give exactly one of mirrorPercent (a shadow) or sharePercent (a canary or experiment)."),
        };
    }

    /// <summary>A shadow serves each mirrored request twice, so every mirrored request is a pair: days = perArm ÷ (requests/day × mirror fraction).</summary>
    public static double ShadowDays(double perArm, double requestsPerDay, double mirrorPercent)
    {
        Guard.NonNegative(perArm, nameof(perArm));
        Guard.Positive(requestsPerDay, nameof(requestsPerDay));
        Guard.Percent(mirrorPercent, nameof(mirrorPercent), allowHundred: true);
        return perArm / (requestsPerDay * mirrorPercent / 100);
    }

    /// <summary>A split gives arm B its share and arm A the rest; the study lasts until the slower arm is full.</summary>
    public static double SplitDays(double perArmA, double perArmB, double requestsPerDay, double sharePercentB)
    {
        Guard.NonNegative(perArmA, nameof(perArmA));
        Guard.NonNegative(perArmB, nameof(perArmB));
        Guard.Positive(requestsPerDay, nameof(requestsPerDay));
        Guard.Percent(sharePercentB, nameof(sharePercentB), allowHundred: false);
        var shareB = sharePercentB / 100;
        return Math.Max(perArmA / (requestsPerDay * (1 - shareB)), perArmB / (requestsPerDay * shareB));
    }
}
