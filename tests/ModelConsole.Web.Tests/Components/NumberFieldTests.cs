using System.Globalization;
using Bunit;
using ModelConsole.Data.Models;
using ModelConsole.Web.Components.Controls;
using ModelConsole.Web.Components.Pages;
using MudBlazor.Services;

namespace ModelConsole.Web.Tests.Components;

/// <summary>
/// The number field every form uses: what a person types is kept as typed, read in the invariant culture, never
/// clamped; a non-number is named next to the field and the model hears null, so it never keeps a stale value.
/// </summary>
public sealed class NumberFieldTests : BunitContext, IAsyncLifetime
{
    public NumberFieldTests()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private (IRenderedComponent<NumberField<T>> Field, List<T?> Heard) Field<T>(T? value, string? error = null)
        where T : struct, System.Numerics.INumber<T>
    {
        var heard = new List<T?>();
        var cut = Render<NumberField<T>>(p => p
            .Add(c => c.Value, value)
            .Add(c => c.Label, "Percent")
            .Add(c => c.Error, error)
            .Add(c => c.ValueChanged, v => heard.Add(v)));
        return (cut, heard);
    }

    [Theory]
    [InlineData("25", 25.0)]
    [InlineData("-5", -5.0)]
    [InlineData("1e9", 1e9)]
    [InlineData("  7  ", 7.0)]
    [InlineData("0.123456789012345678", 0.123456789012345678)]
    public void Numbers_AreTakenAsTyped_NeverClamped(string typed, double expected)
    {
        var (cut, heard) = Field<double>(5);
        cut.Find("input").Input(typed);
        Assert.Equal(expected, heard.Single());
        Assert.Equal(typed, cut.Find("input").GetAttribute("value"));
        Assert.DoesNotContain("mud-input-error", cut.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "'abc' is not a number")]
    [InlineData("1e400", "too large")]
    [InlineData("1,5", "'1,5' is not a number")]
    public void NonNumbers_AreNamedNextToTheField_AndTheModelHearsNull(string typed, string message)
    {
        var (cut, heard) = Field<double>(5);
        cut.Find("input").Input(typed);
        Assert.Null(heard.Single());
        Assert.Contains(message, cut.Markup, StringComparison.Ordinal);
        Assert.Equal(typed, cut.Find("input").GetAttribute("value"));
    }

    [Fact]
    public void Empty_IsNullWithoutAMessageOfItsOwn_TheModelSaysWhatIsMissing()
    {
        var (cut, heard) = Field<double>(5, error: null);
        cut.Find("input").Input("");
        Assert.Null(heard.Single());
        Assert.DoesNotContain("is not a number", cut.Markup, StringComparison.Ordinal);

        var (withModel, _) = Field<double>(null, error: "Give a percent.");
        Assert.Contains("Give a percent.", withModel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void WholeNumberFields_RefuseFractions_RatherThanRoundThem()
    {
        var (cut, heard) = Field<int>(2);
        cut.Find("input").Input("2.5");
        Assert.Null(heard.Single());
        Assert.Contains("not a whole number", cut.Markup, StringComparison.Ordinal);
        cut.Find("input").Input("3");
        Assert.Equal(3, heard[^1]);
        cut.Find("input").Input("99999999999");
        Assert.Null(heard[^1]); // past int's range: named, not wrapped
        Assert.Contains("not a whole number that fits", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueTheModelRefusesAndKeepsItsOldOne_StaysAsTyped()
    {
        var (cut, heard) = Field<double>(5, error: null);
        cut.Find("input").Input("-5");
        Assert.Equal(-5, heard.Single());
        cut.Render(p => p.Add(c => c.Value, 5.0).Add(c => c.Error, "The percent is from 1 to 25."));
        Assert.Equal("-5", cut.Find("input").GetAttribute("value"));
        Assert.Contains("The percent is from 1 to 25.", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueTheModelSets_ReplacesTheText()
    {
        var (cut, _) = Field<double>(5);
        Assert.Equal("5", cut.Find("input").GetAttribute("value"));
        cut.Render(p => p.Add(c => c.Value, 12.5));
        Assert.Equal("12.5", cut.Find("input").GetAttribute("value"));
    }
}

/// <summary>The Alerts page's view of its address: what a link opens, and a bad value named rather than thrown.</summary>
public sealed class AlertsViewTests
{
    [Fact]
    public void TheAddress_RoundTrips_AndBadValuesOpenTheDefaultViewWithAMessage()
    {
        var view = AlertsView.From("resolved", "support-agent", "42");
        Assert.Equal(("resolved", "support-agent", (long?)42, (string?)null), (view.State, view.Family, view.Highlight, view.Problem));
        Assert.Equal("/alerts?state=resolved&family=support-agent", view.Address());
        Assert.Equal("/alerts", AlertsView.From(null, null, null).Address());
        Assert.Null(AlertsView.From("all", null, null).StoreState);

        var bad = AlertsView.From("angry", " ", "x");
        Assert.Equal(("open", (string?)null, (long?)null), (bad.State, bad.Family, bad.Highlight));
        Assert.Contains("'angry' is not a state", bad.Problem, StringComparison.Ordinal);
        Assert.Contains("'x' is not an alert id", bad.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOutcome_SaysWhoSawIt_HowItEnded_AndHowLongItLasted()
    {
        var raised = new DateTime(2026, 12, 1, 14, 0, 0, DateTimeKind.Utc);
        var alert = new AlertRecord(1, "f", "b", 2, "errorRate", "rollback", 0.3, 0.02, "active", "d", "resolved", raised,
            raised.AddMinutes(5), "ann", "rolledBack", raised.AddSeconds(2), "rule:2", 140);
        Assert.Equal("seen by ann at 14:05:00 · rolled back in 140 ms at 14:00:02 UTC, after 2 s", AlertsView.Outcome(alert));
        Assert.Equal("3 h 5 min", AlertsView.Duration(TimeSpan.FromMinutes(185)));
        Assert.Equal("2 d 1 h", AlertsView.Duration(TimeSpan.FromHours(49)));
        Assert.Equal("rolls back", AlertsView.ActionWords("rollback"));
    }
}

/// <summary>Core's messages name API fields; next to a form field they read in words.</summary>
public sealed class FieldWordsTests
{
    [Theory]
    [InlineData("splitBPercent is arm B's share of subjects, from 1 to 50.", "Arm B's share is arm B's share of subjects, from 1 to 50.")]
    [InlineData("mde, the minimum detectable effect, is above 0.", "The effect, the minimum detectable effect, is above 0.")]
    [InlineData("pricing.inputPerMillion is at most 100000.", "The input price is at most 100000.")]
    [InlineData("Give a percent.", "Give a percent.")]
    [InlineData("unknownField is odd.", "unknownField is odd.")]
    public void ALeadingFieldName_ReadsInWords(string message, string expected) => Assert.Equal(expected, FieldWords.Humanize(message));

    [Fact]
    public void NothingToSay_StaysNothing() => Assert.Null(FieldWords.Humanize(null));
}
