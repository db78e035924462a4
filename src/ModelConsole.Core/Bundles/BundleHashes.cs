using System.Security.Cryptography;
using System.Text;

namespace ModelConsole.Core.Bundles;

/// <summary>The three hashes of a bundle, lower-case hex SHA-256 (API.md "Bundles").</summary>
public sealed record BundleHashes(string PromptHash, string ConfigHash, string BundleHash)
{
    /// <summary>Hashes the prompt as given and the config in its canonical (RFC 8785) form.</summary>
    public static BundleHashes Compute(string provider, string modelId, string prompt, string canonicalConfig)
    {
        var promptHash = Sha256Hex(prompt);
        var configHash = Sha256Hex(canonicalConfig);
        var bundleHash = Sha256Hex(provider + "\n" + modelId + "\n" + promptHash + "\n" + configHash);
        return new BundleHashes(promptHash, configHash, bundleHash);
    }

    public static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
