using Bunit;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Components.Dialogs;
using ModelConsole.Web.Auth;
using MudBlazor;

namespace ModelConsole.Web.Tests.Components;

public class RegisterBundleDialogTests : ComponentContext
{
    private const string ParentPrompt = "Answer briefly.";

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(string? family = "agent")
    {
        await FamilyAsync("agent");
        await BundleAsync("agent-v1", "agent", prompt: ParentPrompt);
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        _ = provider.InvokeAsync(() => RegisterBundleDialog.OpenAsync(dialogs, family));
        provider.WaitForElement("[data-testid='register-name'] input");
        return provider;
    }

    private static string ErrorTextOf(IRenderedComponent<MudDialogProvider> cut, string testId) =>
        cut.Find($"[data-testid='{testId}']").TextContent;

    [Fact]
    public async Task OpeningInAFamily_StartsFromItsNewestBundle_AndSuggestsTheNextName()
    {
        var cut = await OpenAsync();

        cut.WaitForAssertion(() => Assert.Equal("agent-v2", cut.Find("[data-testid='register-name'] input").GetAttribute("value")));
        Assert.Equal("gpt-4o", cut.Find("[data-testid='register-model'] input").GetAttribute("value"));
        Assert.Contains("Nothing differs from agent-v1", cut.Find("[data-testid='register-identical']").TextContent);
    }

    [Fact]
    public async Task ChangingOneVariable_ShowsItAsTheOneChange()
    {
        var cut = await OpenAsync();

        cut.Find("[data-testid='register-model'] input").Input("gpt-4.1");

        cut.WaitForAssertion(() => Assert.Contains("One variable changed against agent-v1: model", cut.Find("[data-testid='register-one-variable']").TextContent));
        Assert.Empty(cut.FindAll("[data-testid='register-multi-variable']"));
    }

    [Fact]
    public async Task ChangingTwoVariables_WarnsAndRequiresAJustification_AndStoresNothingWithoutIt()
    {
        var cut = await OpenAsync();

        cut.Find("[data-testid='register-model'] input").Input("gpt-4.1");
        cut.Find("[data-testid='register-prompt'] textarea").Input("Answer in detail.");
        cut.WaitForAssertion(() => Assert.Contains("More than one variable changed against agent-v1 (model, prompt)", cut.Find("[data-testid='register-multi-variable']").TextContent), TimeSpan.FromSeconds(3));
        cut.Find("[data-testid='register-submit']").Click();

        cut.WaitForAssertion(() => Assert.Contains("say why they must change together", cut.Markup));
        Assert.Null(await Registry.GetBundleAsync("agent-v2", CancellationToken.None));
    }

    [Fact]
    public async Task BadName_ShowsTheRuleOnTheField()
    {
        var cut = await OpenAsync();

        cut.Find("[data-testid='register-name'] input").Input("Agent V2");

        cut.WaitForAssertion(() => Assert.Contains("must start with a lower-case letter", ErrorTextOf(cut, "register-name")));
    }

    [Fact]
    public async Task SubmittingAnEmptyForm_ShowsEveryRequiredField()
    {
        var cut = await OpenAsync(family: null);

        cut.Find("[data-testid='register-submit']").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("The bundle name is required.", cut.Markup);
            Assert.Contains("The family name is required.", cut.Markup);
            Assert.Contains("The provider is required.", cut.Markup);
            Assert.Contains("The prompt is required.", cut.Markup);
        });
    }

    [Fact]
    public async Task ConfigThatIsNotJson_IsRefusedOnTheField()
    {
        var cut = await OpenAsync();

        cut.Find("[data-testid='register-config'] textarea").Input("{temperature: 1");

        cut.WaitForAssertion(() => Assert.Contains("The config is not valid JSON", ErrorTextOf(cut, "register-config")), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task TakenName_IsShownOnTheNameField_AfterTheServerRefusesIt()
    {
        var cut = await OpenAsync();
        cut.Find("[data-testid='register-name'] input").Input("agent-v1");
        cut.Find("[data-testid='register-model'] input").Input("gpt-4.1");

        cut.Find("[data-testid='register-submit']").Click();

        cut.WaitForAssertion(() => Assert.Contains("A bundle named 'agent-v1' already exists.", cut.Markup));
    }

    [Fact]
    public async Task ValidChange_RegistersTheBundle_AndClosesTheDialog()
    {
        var cut = await OpenAsync();
        cut.Find("[data-testid='register-model'] input").Input("gpt-4.1");
        cut.WaitForElement("[data-testid='register-one-variable']");

        cut.Find("[data-testid='register-submit']").Click();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid='register-name']")));
        var stored = await Registry.GetBundleAsync("agent-v2", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal("gpt-4.1", stored.ModelId);
        Assert.Equal(["model"], stored.Changed);
        Assert.Equal("agent-v1", stored.Parent);
    }
}

public class RegisterBundleFormTests
{
    [Theory]
    [InlineData("support-agent-v12", "support-agent-v13")]
    [InlineData("summarizer-v9", "summarizer-v10")]
    [InlineData("sql-copilot", "sql-copilot-v2")]
    public void NextName_IncrementsTheVersionSuffix(string parent, string expected) =>
        Assert.Equal(expected, RegisterBundleForm.NextName(parent));

    [Fact]
    public void ParseFallbacks_ReadsOneProviderAndModelALine_AndNamesBadLines()
    {
        var errors = new ModelConsole.Core.Validation.ValidationErrors();

        var parsed = RegisterBundleForm.ParseFallbacks("azure-openai/gpt-4o\n\n openai / gpt-4o-mini \nnonsense", errors);

        Assert.Equal([new("azure-openai", "gpt-4o"), new("openai", "gpt-4o-mini")], parsed!);
        Assert.Contains("'nonsense'", Assert.Single(errors.For("fallbacks")));
    }

    [Fact]
    public void PricesArePairs_OneWithoutTheOtherIsAnError()
    {
        var form = new RegisterBundleForm { Name = "a-v1", Family = "a", Provider = "p", ModelId = "m", Prompt = "x", InputPerMillion = 1, Submitted = true };

        form.Validate();

        Assert.NotNull(form.ErrorFor("pricing.outputPerMillion"));
        Assert.Null(form.ErrorFor("pricing.inputPerMillion"));
    }

    [Fact]
    public void Errors_ShowOnlyOnTouchedFields_UntilSubmit()
    {
        var form = new RegisterBundleForm();
        form.Validate();

        Assert.Null(form.ErrorFor("name"));
        form.Touch("name");
        Assert.Equal("The bundle name is required.", form.ErrorFor("name"));
        Assert.Null(form.ErrorFor("provider"));
        form.Submitted = true;
        Assert.Equal("The provider is required.", form.ErrorFor("provider"));
    }
}

public class RegisterAccessTests : ComponentContext
{
    [Theory]
    [InlineData(Roles.ReleaseManager, true)]
    [InlineData(Roles.Admin, true)]
    [InlineData(Roles.OnCall, false)]
    [InlineData(Roles.Finance, false)]
    public void RegisterButton_IsShownOnlyToRolesThatMayRegister(string role, bool shown)
    {
        SignInAs(role);
        Render<MudPopoverProvider>();

        var cut = Render<ModelConsole.Web.Components.Pages.Bundles>();

        Assert.Equal(shown, cut.FindAll("[data-testid='register-bundle']").Count == 1);
    }

    [Fact]
    public async Task Dialog_RefusesToRegister_WhenTheRoleMayNot_EvenIfOpened()
    {
        await FamilyAsync("agent");
        await BundleAsync("agent-v1", "agent");
        SignInAs(Roles.Finance);
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        _ = provider.InvokeAsync(() => RegisterBundleDialog.OpenAsync(Services.GetRequiredService<IDialogService>(), "agent"));
        provider.WaitForElement("[data-testid='register-model'] input").Input("gpt-4.1");

        provider.Find("[data-testid='register-submit']").Click();

        provider.WaitForAssertion(() => Assert.Contains("only release managers and admins may", provider.Find("[data-testid='register-error']").TextContent));
        Assert.Null(await Registry.GetBundleAsync("agent-v2", CancellationToken.None));
    }
}
