using System.Text.Json;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Core.Tests.Bundles;

public class BundleRegistrationTests
{
    private const string ParentPrompt = "Answer from the context only.";
    private static readonly string ParentConfig = JsonCanonicalizer.Canonicalize("""{"temperature":0.2}""");
    private static readonly BundleHashes ParentHashes = BundleHashes.Compute("openai", "gpt-4o", ParentPrompt, ParentConfig);
    private static readonly ParentFacts Parent = new("agent-v1", "agent",
        new BundleIdentity("openai", "gpt-4o", ParentHashes.PromptHash, ParentHashes.ConfigHash), ParentHashes.BundleHash);

    private static readonly RegistrationFacts WithParent = new(FamilyExists: true, NameTaken: false, Parent);

    // Every combination of the three variables against the parent.
    [Theory]
    [InlineData(false, false, false, "", false)]
    [InlineData(true, false, false, "model", false)]
    [InlineData(false, true, false, "prompt", false)]
    [InlineData(false, false, true, "config", false)]
    [InlineData(true, true, false, "model,prompt", true)]
    [InlineData(true, false, true, "model,config", true)]
    [InlineData(false, true, true, "prompt,config", true)]
    [InlineData(true, true, true, "model,prompt,config", true)]
    public void Diff_NamesWhatChanged_AndFlagsMoreThanOne(bool model, bool prompt, bool config, string expected, bool multi)
    {
        var child = new BundleIdentity(
            "openai",
            model ? "gpt-4.1" : "gpt-4o",
            prompt ? "other-prompt-hash" : Parent.Identity.PromptHash,
            config ? "other-config-hash" : Parent.Identity.ConfigHash);

        var changed = BundleChanges.Diff(Parent.Identity, child);

        Assert.Equal(expected, string.Join(",", BundleChanges.ToNames(changed)));
        Assert.Equal(multi, BundleChanges.IsMultiVariable(changed));
        Assert.Equal(changed, BundleChanges.FromNames(BundleChanges.ToNames(changed)));
    }

    [Fact]
    public void Diff_CountsAProviderChangeAsAModelChange()
    {
        var child = Parent.Identity with { Provider = "azure-openai" };

        Assert.Equal(ChangedParts.Model, BundleChanges.Diff(Parent.Identity, child));
    }

    [Fact]
    public void Check_OneVariableChange_IsAcceptedWithItsHashesAndChanges()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1"), WithParent);

        var accepted = Assert.IsType<AcceptedBundle>(outcome.Accepted);
        Assert.Equal(ChangedParts.Model, accepted.Changed);
        Assert.False(accepted.MultiVariable);
        Assert.Equal(ParentHashes.PromptHash, accepted.Hashes.PromptHash);
        Assert.Equal(ParentConfig, accepted.CanonicalConfig);
        Assert.Null(accepted.Justification);
    }

    [Fact]
    public void Check_MultiVariableWithoutJustification_IsRefusedOnJustification()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1", prompt: "New prompt."), WithParent);

        Assert.False(outcome.IsAccepted);
        Assert.Contains("model, prompt", Assert.Single(outcome.Errors.For("justification")));
    }

    [Fact]
    public void Check_MultiVariableWithJustification_IsAcceptedAndKeepsTheJustification()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1", prompt: "New prompt.", justification: "  The new model needs the new prompt.  "), WithParent);

        var accepted = Assert.IsType<AcceptedBundle>(outcome.Accepted);
        Assert.True(accepted.MultiVariable);
        Assert.Equal("The new model needs the new prompt.", accepted.Justification);
    }

    [Fact]
    public void Check_IdenticalToParent_IsRefused_EvenWhenConfigIsReformatted()
    {
        var outcome = BundleRegistration.Check(Draft(config: """{ "temperature" : 0.20 }"""), WithParent);

        Assert.False(outcome.IsAccepted);
        Assert.Contains("Nothing differs", Assert.Single(outcome.Errors.For("parent")));
    }

    [Fact]
    public void Check_ParentInAnotherFamily_IsRefused()
    {
        var facts = WithParent with { Parent = Parent with { Family = "other" } };

        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1"), facts);

        Assert.Contains("belongs to the family 'other'", Assert.Single(outcome.Errors.For("parent")));
    }

    [Fact]
    public void Check_UnknownFamilyAndParent_AreFieldErrors()
    {
        var outcome = BundleRegistration.Check(Draft(), new RegistrationFacts(FamilyExists: false, NameTaken: false, Parent: null));

        Assert.Contains("no family named 'agent'", Assert.Single(outcome.Errors.For("family")));
        Assert.Contains("no bundle named 'agent-v1'", Assert.Single(outcome.Errors.For("parent")));
        Assert.Null(outcome.Conflict);
    }

    [Fact]
    public void Check_TakenName_IsAConflict_NotAFieldError()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1"), WithParent with { NameTaken = true });

        Assert.Equal("A bundle named 'agent-v2' already exists.", outcome.Conflict);
        Assert.True(outcome.Errors.IsEmpty);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("a", "2–64")]
    [InlineData("Agent-v2", "lower-case letter")]
    [InlineData("2agent", "lower-case letter")]
    [InlineData("agent_v2", "only lower-case letters")]
    [InlineData("agent v2", "only lower-case letters")]
    public void Check_BadNames_AreRefusedWithAReason(string name, string reason)
    {
        var outcome = BundleRegistration.Check(Draft(name: name, modelId: "gpt-4.1"), WithParent);

        Assert.Contains(reason, Assert.Single(outcome.Errors.For("name")));
    }

    [Fact]
    public void Check_NameOf65Characters_IsRefused_And64IsAccepted()
    {
        Assert.False(BundleRegistration.Check(Draft(name: "a" + new string('b', 64), modelId: "gpt-4.1"), WithParent).IsAccepted);
        Assert.True(BundleRegistration.Check(Draft(name: "a" + new string('b', 63), modelId: "gpt-4.1"), WithParent).IsAccepted);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Check_ConfigThatIsNotAnObject_IsRefused(string config)
    {
        var outcome = BundleRegistration.Check(Draft(config: config), WithParent);

        Assert.Equal("The config must be a JSON object.", Assert.Single(outcome.Errors.For("config")));
    }

    [Fact]
    public void Check_PromptOver256KB_IsRefused_AndExactly256KBIsAccepted()
    {
        var exactly = new string('x', BundleRegistration.MaxPromptBytes);
        Assert.True(BundleRegistration.Check(Draft(prompt: exactly), WithParent).IsAccepted);

        var outcome = BundleRegistration.Check(Draft(prompt: exactly + "x"), WithParent);
        Assert.Contains("256 KB", Assert.Single(outcome.Errors.For("prompt")));
    }

    [Fact]
    public void Check_PromptSizeCountsUtf8Bytes_NotCharacters()
    {
        var euros = new string('€', BundleRegistration.MaxPromptBytes / 3 + 1); // 3 bytes each

        Assert.False(BundleRegistration.Check(Draft(prompt: euros), WithParent).IsAccepted);
    }

    [Fact]
    public void Check_NegativeOrNonFinitePrices_AreRefused()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1", pricing: new Pricing(-1, double.PositiveInfinity, -0.5)), WithParent);

        Assert.Single(outcome.Errors.For("pricing.inputPerMillion"));
        Assert.Single(outcome.Errors.For("pricing.outputPerMillion"));
        Assert.Single(outcome.Errors.For("pricing.cachedInputPerMillion"));
    }

    [Fact]
    public void Check_BaselineRatesWithoutSamples_AreRefused()
    {
        var outcome = BundleRegistration.Check(Draft(modelId: "gpt-4.1", baseline: new Baseline(null, ErrorRate: 0.02)), WithParent);

        Assert.Contains("number of samples", Assert.Single(outcome.Errors.For("baseline.samples")));
    }

    [Fact]
    public void Check_BaselineOutOfRange_IsRefusedPerField()
    {
        var outcome = BundleRegistration.Check(
            Draft(modelId: "gpt-4.1", baseline: new Baseline(0, ErrorRate: 1.5, QualityMean: -0.1, LatencyP50Ms: 900, LatencyP95Ms: 400)),
            WithParent);

        Assert.Single(outcome.Errors.For("baseline.samples"));
        Assert.Single(outcome.Errors.For("baseline.errorRate"));
        Assert.Single(outcome.Errors.For("baseline.qualityMean"));
        Assert.Single(outcome.Errors.For("baseline.latencyP95Ms"));
    }

    [Fact]
    public void Check_FallbacksWithBlankParts_AreRefusedByIndex()
    {
        var outcome = BundleRegistration.Check(
            Draft(modelId: "gpt-4.1", fallbacks: [new FallbackTarget("azure-openai", "gpt-4o"), new FallbackTarget("", "x")]),
            WithParent);

        Assert.Single(outcome.Errors.For("fallbacks[1].provider"));
        Assert.Empty(outcome.Errors.For("fallbacks[0].provider"));
    }

    [Fact]
    public void Check_WithoutParent_HasNoChanges()
    {
        var outcome = BundleRegistration.Check(Draft(parent: null), new RegistrationFacts(true, false, null));

        var accepted = Assert.IsType<AcceptedBundle>(outcome.Accepted);
        Assert.Equal(ChangedParts.None, accepted.Changed);
        Assert.False(accepted.MultiVariable);
    }

    [Fact]
    public void ParseConfig_SaysWhyTextIsNotAConfig()
    {
        Assert.Contains("not valid JSON", BundleRegistration.ParseConfig("{temperature: 1}").Error);
        Assert.Equal("The config must be a JSON object.", BundleRegistration.ParseConfig("[]").Error);
        Assert.Null(BundleRegistration.ParseConfig("""{"a":1}""").Error);
    }

    private static BundleDraft Draft(
        string? name = "agent-v2",
        string? modelId = "gpt-4o",
        string prompt = ParentPrompt,
        string config = """{"temperature":0.2}""",
        string? parent = "agent-v1",
        string? justification = null,
        Pricing? pricing = null,
        Baseline? baseline = null,
        IReadOnlyList<FallbackTarget>? fallbacks = null)
    {
        using var doc = JsonDocument.Parse(config);
        return new BundleDraft(name, "agent", "openai", modelId, prompt, doc.RootElement.Clone(), parent, justification, pricing, baseline, fallbacks);
    }
}
