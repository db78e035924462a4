using System.Text;
using ModelConsole.Core.Telemetry;

namespace ModelConsole.Core.Tests.Telemetry;

public class TelemetryBatchReaderTests
{
    private static TelemetryBatch Read(string json, int max = 10) => TelemetryBatchReader.Read(Encoding.UTF8.GetBytes(json), max);

    [Fact]
    public void AFullEvent_IsReadField_ByField()
    {
        var batch = Read("""
            {"batchId":"b1","unknown":{"x":[1,2]},"events":[{"requestId":"r1","bundle":"a-v1","timestamp":"2026-11-25T10:00:30+01:00",
            "latencyMs":812.5,"inputTokens":1200,"outputTokens":300,"cachedInputTokens":200,"costUsd":0.0042,"success":false,
            "errorType":"timeout","qualityScore":0.8,"feedback":"negative","subject":"u1","outputHash":"h","agreement":1,
            "shadowOf":"r0","provider":"openai","simulated":true,"extra":null}]}
            """);
        Assert.Equal(BatchProblem.None, batch.Problem);
        Assert.Equal("b1", batch.BatchId);
        var e = Assert.Single(batch.Events)!;
        Assert.Null(e.Errors);
        Assert.Equal(("r1", "a-v1", new DateTime(2026, 11, 25, 9, 0, 30, DateTimeKind.Utc)), (e.RequestId, e.Bundle, e.Timestamp));
        Assert.Equal((812.5, 1200L, 300L, 200L, 0.0042), (e.LatencyMs!.Value, e.InputTokens!.Value, e.OutputTokens!.Value, e.CachedInputTokens!.Value, e.CostUsd!.Value));
        Assert.Equal((false, "timeout", 0.8, Feedback.Negative), (e.Success!.Value, e.ErrorType, e.QualityScore!.Value, e.Feedback));
        Assert.Equal(("u1", "h", 1.0, "r0", "openai", true), (e.Subject, e.OutputHash, e.Agreement!.Value, e.ShadowOf, e.Provider, e.Simulated));
        Assert.Equal(DateTimeKind.Utc, e.Timestamp!.Value.Kind);
    }

    [Theory]
    [InlineData("\"latencyMs\":\"12\"", "latencyMs")]
    [InlineData("\"latencyMs\":\"NaN\"", "latencyMs")]
    [InlineData("\"latencyMs\":1e999", "latencyMs")]
    [InlineData("\"inputTokens\":1.5", "inputTokens")]
    [InlineData("\"success\":1", "success")]
    [InlineData("\"feedback\":\"great\"", "feedback")]
    [InlineData("\"timestamp\":\"2026-11-25T10:00:00\"", "timestamp")]
    [InlineData("\"timestamp\":12345", "timestamp")]
    [InlineData("\"requestId\":{\"a\":1}", "requestId")]
    public void AFieldOfTheWrongType_RejectsOnlyItsEvent(string field, string name)
    {
        var batch = Read($"{{\"events\":[{{{field}}},{{\"requestId\":\"ok\"}}]}}");
        Assert.Equal(BatchProblem.None, batch.Problem);
        Assert.True(batch.Events[0]!.Errors!.Has(name));
        Assert.Null(batch.Events[1]!.Errors);
        Assert.Equal("ok", batch.Events[1]!.RequestId);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"events\":{}}")]
    [InlineData("{\"events\":[]} {}")]
    [InlineData("{\"events\":[{\"requestId\":\"a\"}]")]
    [InlineData("{\"events\":[],\"batchId\":7}")]
    [InlineData("")]
    public void ABodyThatIsNotABatch_IsSaidSo(string json) =>
        Assert.Equal(BatchProblem.NotABatch, Read(json).Problem);

    [Fact]
    public void MoreEventsThanAllowed_IsTooMany_AndNonObjectsAreListedByIndex()
    {
        Assert.Equal(BatchProblem.TooManyEvents, Read("{\"events\":[{},{},{}]}", max: 2).Problem);
        var batch = Read("{\"events\":[{},5,\"x\",{}]}");
        Assert.Equal([1, 2], batch.NotObjects);
        Assert.Equal(4, batch.Events.Count);
    }

    [Fact]
    public void RepeatedBundleNames_AreOneString_AndEscapedNamesStillMatch()
    {
        var batch = Read("{\"events\":[{\"bundle\":\"a-v1\"},{\"bundle\":\"a-v1\"},{\"bundl\\u0065\":\"b-v1\"}]}");
        Assert.Same(batch.Events[0]!.Bundle, batch.Events[1]!.Bundle);
        Assert.Equal("b-v1", batch.Events[2]!.Bundle);
    }
}
