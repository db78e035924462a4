using ModelConsole.Core.Bundles;
using ModelConsole.Core.Costs;

namespace ModelConsole.Core.Tests.Costs;

public class CallCostTests
{
    private static readonly Pricing WithCache = new(InputPerMillion: 3, OutputPerMillion: 15, CachedInputPerMillion: 0.3);

    [Fact]
    public void PerCall_ChargesUncachedCachedAndOutputTokensAtTheirPrices()
    {
        // (1000 − 400)·3 + 400·0.3 + 500·15 = 1800 + 120 + 7500 = 9420 per million tokens = $0.00942.
        Assert.Equal(0.00942, CallCost.PerCall(WithCache, inputTokens: 1000, outputTokens: 500, cachedInputTokens: 400), 1e-15);
    }

    [Fact]
    public void PerCall_WithoutACachedPrice_ChargesCachedTokensAtTheInputPrice()
    {
        var noCachePrice = WithCache with { CachedInputPerMillion = null };

        // 1000·3 + 500·15 = 10 500 per million = $0.0105, whatever share of the input was cached.
        Assert.Equal(0.0105, CallCost.PerCall(noCachePrice, 1000, 500, cachedInputTokens: 400), 1e-15);
        Assert.Equal(CallCost.PerCall(noCachePrice, 1000, 500), CallCost.PerCall(noCachePrice, 1000, 500, 400), 1e-18);
    }

    [Theory]
    [InlineData(1000, 500, 400, 2.0)]
    [InlineData(12.5, 3.25, 0, 7.0)]
    [InlineData(0, 800, 0, 0.5)]
    public void PerCall_IsLinearInTheTokens(double input, double output, double cached, double factor)
    {
        Assert.Equal(factor * CallCost.PerCall(WithCache, input, output, cached),
            CallCost.PerCall(WithCache, factor * input, factor * output, factor * cached), 1e-15);
    }

    [Fact]
    public void PerCall_AddsUpOverItsParts()
    {
        var whole = CallCost.PerCall(WithCache, 1000, 500, 400);
        var parts = CallCost.PerCall(WithCache, 600, 0) + CallCost.PerCall(WithCache, 400, 0, 400) + CallCost.PerCall(WithCache, 0, 500);

        Assert.Equal(whole, parts, 1e-15);
    }

    [Fact]
    public void PerCall_RefusesMoreCachedThanInputTokens()
    {
        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => CallCost.PerCall(WithCache, 100, 10, 101));

        Assert.Equal("cachedInputTokens", error.ParamName);
    }

    [Fact]
    public void PerCall_RefusesNegativeTokensOrPrices()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => CallCost.PerCall(WithCache, -1, 10));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => CallCost.PerCall(WithCache, 1, double.NaN));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => CallCost.PerCall(WithCache with { OutputPerMillion = -2 }, 1, 1));
    }
}
