using ModelConsole.Core.Bundles;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Tests.Telemetry;

public class TelemetryRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TelemetryBundle Bundle = new(1, 1, "a-v1", new Pricing(2.5, 10, 1.25));

    private static TelemetryEvent Valid() => new()
    {
        RequestId = "r", Bundle = "a-v1", Timestamp = Now, LatencyMs = 10, InputTokens = 1000, OutputTokens = 100, Success = true,
    };

    [Fact]
    public void CostFromPricing_ChargesCachedInputAtItsOwnPrice()
    {
        var e = Valid();
        e.CachedInputTokens = 400;
        // 600 × 2.5 + 400 × 1.25 + 100 × 10 = 3000 per million tokens.
        Assert.Equal(0.003, TelemetryValidation.CostOf(e, Bundle.Pricing)!.Value, 12);
        Assert.Equal(0.0035, TelemetryValidation.CostOf(e, new Pricing(2.5, 10))!.Value, 12);
        e.CostUsd = 0.5;
        Assert.Equal(0.5, TelemetryValidation.CostOf(e, Bundle.Pricing));
        Assert.Null(TelemetryValidation.CostOf(Valid(), null));
    }

    [Fact]
    public void TheClockSkew_LimitsOnlyTheFuture()
    {
        var skew = TimeSpan.FromMinutes(10);
        var e = Valid();
        e.Timestamp = Now.AddMinutes(10);
        Assert.Null(TelemetryValidation.Check(e, Bundle, Now, skew));
        e.Timestamp = Now.AddMinutes(10.01);
        Assert.True(TelemetryValidation.Check(e, Bundle, Now, skew)!.Has("timestamp"));
        e.Timestamp = Now.AddDays(-30);
        Assert.Null(TelemetryValidation.Check(e, Bundle, Now, skew));
    }

    [Fact]
    public void Rollups_AddUp_AndMergeByAddition()
    {
        var a = new MinuteRollup(1, MinuteRollup.MinuteOf(Now.AddSeconds(59.9)));
        Assert.Equal(Now, a.Minute);
        var failed = Valid();
        failed.Success = false;
        failed.QualityScore = 0.5;
        failed.Feedback = Feedback.Negative;
        a.Add(Valid(), 0.01);
        a.Add(failed, null);
        var b = new MinuteRollup(1, Now);
        b.Add(failed, 0.03);
        a.Merge(b);
        Assert.Equal((3L, 2L, 2L, 1.0, 0.5), (a.Requests, a.Errors, a.QualityCount, a.QualitySum, a.QualitySumSquares));
        Assert.Equal((2L, 0.04, 2L), (a.CostCount, a.CostSum, a.NegativeFeedback));
        Assert.Equal(2, a.ErrorsByType[MinuteRollup.UnspecifiedError]);
        Assert.Equal(3, a.Latency[LatencyHistogram.BucketOf(10)]);
    }

    [Theory]
    [InlineData(1, "2026-11-25T10:07:31Z", "2026-11-25T10:07:00Z")]
    [InlineData(5, "2026-11-25T10:07:31Z", "2026-11-25T10:05:00Z")]
    [InlineData(60, "2026-11-25T10:07:31Z", "2026-11-25T10:00:00Z")]
    [InlineData(7, "2026-11-25T00:06:59Z", "2026-11-25T00:00:00Z")]
    [InlineData(7, "2026-11-25T23:59:00Z", "2026-11-25T23:55:00Z")]
    [InlineData(1440, "2026-11-25T23:59:00Z", "2026-11-25T00:00:00Z")]
    public void Steps_AreAlignedToMultiplesOfTheStepSinceUtcMidnight(int step, string at, string expected) =>
        Assert.Equal(DateTime.Parse(expected, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            MetricsSeries.StepStart(DateTime.Parse(at, null, System.Globalization.DateTimeStyles.AdjustToUniversal), step));

    [Fact]
    public void AStepThatDoesNotDivideTheDay_IsCutShortAtMidnight()
    {
        var from = new DateTime(2026, 11, 25, 23, 50, 0, DateTimeKind.Utc);
        var steps = MetricsSeries.Steps(from, from.AddMinutes(20), 7).ToList();
        // 23:50 is minute 1430 of the day: its 7-minute step starts at 1428 (23:48); the next one at 23:55 ends at midnight.
        Assert.Equal([from.AddMinutes(-2), from.AddMinutes(5), from.AddMinutes(10), from.AddMinutes(17)], steps);
    }
}
