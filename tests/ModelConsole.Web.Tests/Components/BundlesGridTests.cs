using ModelConsole.Data.Models;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Components.Pages;
using MudBlazor;

namespace ModelConsole.Web.Tests.Components;

public class BundlesGridTests : ComponentContext
{
    private async Task SeedAsync()
    {
        await FamilyAsync("alpha");
        await FamilyAsync("beta");
        for (var i = 1; i <= 20; i++)
        {
            await BundleAsync($"alpha-b-{i}", "alpha", modelId: $"gpt-4o-{i}");
        }

        for (var i = 1; i <= 10; i++)
        {
            await BundleAsync($"beta-b-{i}", "beta", provider: "anthropic", modelId: $"claude-{i}");
        }
    }

    private static List<string> RowNames(IRenderedComponent<Bundles> cut) =>
        cut.FindAll("[data-testid^='bundle-row-']").Select(e => e.GetAttribute("data-testid")!["bundle-row-".Length..]).ToList();

    [Fact]
    public async Task Grid_PagesOnTheServer_25ThenTheRemaining5()
    {
        await SeedAsync();
        Render<MudPopoverProvider>();

        var cut = Render<Bundles>();

        cut.WaitForAssertion(() => Assert.Equal(Bundles.PageSize, RowNames(cut).Count));
        var firstPage = RowNames(cut);
        Assert.Equal("beta-b-10", firstPage[0]); // newest first
        var grid = cut.FindComponent<MudDataGrid<BundleRow>>();
        await cut.InvokeAsync(() => grid.Instance.NavigateTo(Page.Next));
        cut.WaitForAssertion(() => Assert.Equal(5, RowNames(cut).Count));
        Assert.Empty(RowNames(cut).Intersect(firstPage));
        Assert.Contains("alpha-b-1", RowNames(cut));
    }

    [Fact]
    public async Task Grid_FamilyFilterFromTheAddress_ShowsOnlyThatFamily()
    {
        await SeedAsync();
        Render<MudPopoverProvider>();
        Services.GetRequiredService<NavigationManager>().NavigateTo("/bundles?family=beta");

        var cut = Render<Bundles>();

        cut.WaitForAssertion(() => Assert.Equal(10, RowNames(cut).Count));
        Assert.All(RowNames(cut), n => Assert.StartsWith("beta-", n));
    }

    [Fact]
    public async Task Grid_Search_NarrowsByNameOrModel_AndSaysWhenNothingMatches()
    {
        await SeedAsync();
        Render<MudPopoverProvider>();
        var cut = Render<Bundles>();
        cut.WaitForAssertion(() => Assert.Equal(Bundles.PageSize, RowNames(cut).Count));

        cut.Find("[data-testid='bundles-search'] input").Input("claude-7");
        cut.WaitForAssertion(() => Assert.Equal(["beta-b-7"], RowNames(cut)), TimeSpan.FromSeconds(5));

        cut.Find("[data-testid='bundles-search'] input").Input("no-such-thing");
        cut.WaitForAssertion(() => Assert.Contains("No bundle matches these filters.", cut.Find("[data-testid='bundles-empty']").TextContent), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Grid_WithNoBundles_SaysSo()
    {
        Render<MudPopoverProvider>();

        var cut = Render<Bundles>();

        cut.WaitForAssertion(() => Assert.Contains("No bundles registered yet.", cut.Find("[data-testid='bundles-empty']").TextContent));
    }

    [Fact]
    public void Filters_MapGridSortingToTheStoreQuery()
    {
        var filters = new BundleFilters { Family = "alpha", Stage = "CANARY", Provider = "openai", Search = "x" };

        var query = filters.ToQuery(page: 2, pageSize: 25, sortBy: nameof(BundleRow.Name), descending: false);

        Assert.Equal(50, query.Skip);
        Assert.Equal(25, query.Take);
        Assert.Equal("name", query.SortBy);
        Assert.False(query.Descending);
        Assert.Equal(Stage.Canary, query.Stage);
        Assert.True(filters.ToQuery(0, 25, null, false).Descending); // unsorted: newest first
    }
}
