using ModelConsole.Core.Metrics;
using System.Globalization;
using Bunit;
using ModelConsole.Core.Statistics;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Services;
using MudBlazor.Services;

namespace ModelConsole.Web.Tests.Components;

/// <summary>The comparison table words each row from its statistics: worse, better, no clear difference, not enough data.</summary>
public sealed class ComparisonTableTests : BunitContext, IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services only dispose asynchronously.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public ComparisonTableTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    private static ComparisonAnswer Answer(params ComparisonRow[] rows) =>
        new("f", "f-v1", "f-v2", "CANARY", 60, 0.95, DateTime.UnixEpoch, DateTime.UnixEpoch.AddHours(1), 200, rows, null);

    private static ComparisonRow Row(string metric, double active, double candidate, double? p, long samples = 1_000, double? low = null, double? high = null) =>
        new(metric, active, candidate, candidate - active, (candidate - active) / active, low, high, p, samples, samples, samples >= 200);

    [Fact]
    public void Rows_ReadAsWorseBetterOrUnclear_ByTheMetricsBadDirection()
    {
        var cut = Render<ComparisonTable>(p => p.Add(c => c.Answer, Answer(
            Row(MetricCatalog.ErrorRate.Name, 0.02, 0.0443, 0.003, low: 0.01, high: 0.0386),
            Row(MetricCatalog.QualityMean.Name, 0.80, 0.84, 0.0004),
            Row(MetricCatalog.CostPerCall.Name, 0.0061, 0.0062, 0.41),
            Row(MetricCatalog.LatencyP95.Name, 2_300, 2_550, null),
            Row(MetricCatalog.NegativeFeedbackRate.Name, 0.03, 0.05, 0.01, samples: 120))));

        string Verdict(string metric) => cut.Find($"[data-testid=compare-verdict-{metric}]").TextContent.Trim();
        Assert.Equal("worse, p = 0.0030", Verdict(MetricCatalog.ErrorRate.Name));
        Assert.Equal("better, p < 0.001", Verdict(MetricCatalog.QualityMean.Name)); // quality going up is better
        Assert.Equal("no clear difference, p = 0.410", Verdict(MetricCatalog.CostPerCall.Name));
        Assert.Equal("no test for a percentile", Verdict(MetricCatalog.LatencyP95.Name));
        Assert.Equal("not enough data (120 of 200 samples)", Verdict(MetricCatalog.NegativeFeedbackRate.Name));

        var errors = cut.Find($"[data-testid=compare-row-{MetricCatalog.ErrorRate.Name}]").TextContent;
        Assert.Contains("2.00 %", errors, StringComparison.Ordinal);
        Assert.Contains("4.43 %", errors, StringComparison.Ordinal);
        Assert.Contains("+2.43 pp", errors, StringComparison.Ordinal);
        Assert.Contains("+121.5 %", errors, StringComparison.Ordinal);
        Assert.Contains("+1.00 pp to +3.86 pp", errors, StringComparison.Ordinal);
        Assert.Contains("mud-chip-color-error", cut.Find($"[data-testid=compare-verdict-{MetricCatalog.ErrorRate.Name}]").ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public void ACandidateWithoutData_SaysSo()
    {
        var empty = new ComparisonRow(MetricCatalog.ErrorRate.Name, 0.02, null, null, null, null, null, null, 500, 0, false);
        var cut = Render<ComparisonTable>(p => p.Add(c => c.Answer, Answer(empty)));
        Assert.Equal("no data yet", cut.Find($"[data-testid=compare-verdict-{MetricCatalog.ErrorRate.Name}]").TextContent.Trim());
        Assert.Contains("–", cut.Find($"[data-testid=compare-candidate-{MetricCatalog.ErrorRate.Name}]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_HoldsTheRawNumbersAndTheSameWords()
    {
        var answer = Answer(Row(MetricCatalog.ErrorRate.Name, 0.02, 0.0443, 0.003, low: 0.01, high: 0.0386));
        var csv = ComparisonModel.ToCsv(answer);
        Assert.Contains("errorRate,0.02,0.0443,", csv, StringComparison.Ordinal);
        Assert.Contains(",0.003,1000,1000,true,\"worse, p = 0.0030\"", csv, StringComparison.Ordinal);
    }
}
