using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Core.Tests.Bundles;

public class BundleHashesTests
{
    // Known answers computed outside .NET with `printf %s ... | sha256sum`.
    private const string PromptSha = "75357d685f238b6afd7738be9786fdafde641eb6ca9a3be7471939715a68a4de"; // "You are a helpful assistant."
    private const string ConfigSha = "c372070ce9f1f93701f31c595b19d1331e78e803e4f2e3cc9c0fe51518e7d375"; // {"max_tokens":600,"temperature":0.2}

    [Fact]
    public void Compute_MatchesExternallyComputedSha256()
    {
        var hashes = BundleHashes.Compute("openai", "gpt-4o", "You are a helpful assistant.", """{"max_tokens":600,"temperature":0.2}""");

        Assert.Equal(PromptSha, hashes.PromptHash);
        Assert.Equal(ConfigSha, hashes.ConfigHash);
    }

    [Fact]
    public void Compute_FollowsTheApiDefinition_ForAllThreeHashes()
    {
        const string prompt = "Résumé the ticket.\nBe brief — 2 lines.";
        var canonical = JsonCanonicalizer.Canonicalize("""{ "temperature": 0.20, "max_tokens": 600 }""");

        var hashes = BundleHashes.Compute("anthropic", "claude-sonnet-4", prompt, canonical);

        static string Sha(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToLowerInvariant();
        Assert.Equal("""{"max_tokens":600,"temperature":0.2}""", canonical);
        Assert.Equal(Sha(prompt), hashes.PromptHash);
        Assert.Equal(ConfigSha, hashes.ConfigHash);
        Assert.Equal(Sha("anthropic\nclaude-sonnet-4\n" + Sha(prompt) + "\n" + ConfigSha), hashes.BundleHash);
        Assert.Matches("^[0-9a-f]{64}$", hashes.BundleHash);
    }

    [Fact]
    public void ConfigHash_DoesNotDependOnKeyOrderOrWhiteSpace()
    {
        var a = Parse("""{"temperature":0.2,"retrieval":{"k":6,"index":"kb"},"max_tokens":600}""");
        var b = Parse("""
            {
              "max_tokens": 600,
              "retrieval": { "index": "kb", "k": 6 },
              "temperature": 2e-1
            }
            """);

        Assert.Equal(Hash(a).ConfigHash, Hash(b).ConfigHash);
        Assert.Equal(Hash(a).BundleHash, Hash(b).BundleHash);
    }

    [Fact]
    public void PromptHash_IsTakenOfTheBytesAsGiven_WhiteSpaceIncluded()
    {
        var a = BundleHashes.Compute("p", "m", "Answer briefly.", "{}");
        var b = BundleHashes.Compute("p", "m", "Answer briefly. ", "{}");

        Assert.NotEqual(a.PromptHash, b.PromptHash);
        Assert.NotEqual(a.BundleHash, b.BundleHash);
    }

    [Fact]
    public void BundleHash_ChangesWithEachPart_AndIsStableForTheSameParts()
    {
        var baseHash = BundleHashes.Compute("openai", "gpt-4o", "p", "{}").BundleHash;

        Assert.Equal(baseHash, BundleHashes.Compute("openai", "gpt-4o", "p", "{}").BundleHash);
        Assert.NotEqual(baseHash, BundleHashes.Compute("azure", "gpt-4o", "p", "{}").BundleHash);
        Assert.NotEqual(baseHash, BundleHashes.Compute("openai", "gpt-4.1", "p", "{}").BundleHash);
        Assert.NotEqual(baseHash, BundleHashes.Compute("openai", "gpt-4o", "q", "{}").BundleHash);
        Assert.NotEqual(baseHash, BundleHashes.Compute("openai", "gpt-4o", "p", """{"a":1}""").BundleHash);
    }

    private static string Parse(string json) => JsonCanonicalizer.Canonicalize(json);

    private static BundleHashes Hash(string canonicalConfig) => BundleHashes.Compute("openai", "gpt-4o", "p", canonicalConfig);

    [Fact]
    public void Canonicalize_OfAParsedElement_EqualsCanonicalizeOfText()
    {
        using var doc = JsonDocument.Parse("""{"b":[1,2],"a":"x"}""");
        Assert.Equal(JsonCanonicalizer.Canonicalize("""{"b":[1,2],"a":"x"}"""), JsonCanonicalizer.Canonicalize(doc.RootElement));
    }
}
