using ModelConsole.Core.Simulation;

namespace ModelConsole.Core.Tests.Simulation;

public sealed class DegradationDraftTests
{
    [Theory]
    [InlineData(DegradationKind.ErrorRate, 5, 10)]
    [InlineData(DegradationKind.ErrorRate, 50, 1)]
    [InlineData(DegradationKind.Latency, 800, 240)]
    [InlineData(DegradationKind.Quality, 1, 30)]
    public void Validate_AcceptsSensibleDegradations(DegradationKind kind, double amount, double minutes) =>
        Assert.True(new DegradationDraft("b-v1", kind, amount, minutes).Validate().IsEmpty);

    [Theory]
    [InlineData(null, DegradationKind.ErrorRate, 5.0, 10.0, "bundle")]
    [InlineData(" ", DegradationKind.ErrorRate, 5.0, 10.0, "bundle")]
    [InlineData("b-v1", null, 5.0, 10.0, "kind")]
    [InlineData("b-v1", DegradationKind.ErrorRate, 1.0, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.ErrorRate, 51.0, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.ErrorRate, double.NaN, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.Latency, 0.0, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.Latency, double.PositiveInfinity, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.Quality, 1.5, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.Quality, null, 10.0, "amount")]
    [InlineData("b-v1", DegradationKind.Quality, 0.2, 0.5, "durationMinutes")]
    [InlineData("b-v1", DegradationKind.Quality, 0.2, 241.0, "durationMinutes")]
    [InlineData("b-v1", DegradationKind.Quality, 0.2, null, "durationMinutes")]
    public void Validate_NamesTheBadField(string? bundle, DegradationKind? kind, double? amount, double? minutes, string field)
    {
        var errors = new DegradationDraft(bundle, kind, amount, minutes).Validate();
        Assert.True(errors.Has(field), string.Join("; ", errors.ToDictionary().Keys));
        Assert.Single(errors.ToDictionary());
    }

    [Fact]
    public void Describe_SaysWhatChanges()
    {
        Assert.Equal("error rate ×5", Degradation.Describe(DegradationKind.ErrorRate, 5));
        Assert.Equal("latency +800 ms", Degradation.Describe(DegradationKind.Latency, 800));
        Assert.Equal("quality −0.2", Degradation.Describe(DegradationKind.Quality, 0.2));
    }
}
