using System.Collections.Concurrent;
using System.Text.Json;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Web.Services;

/// <summary>What a gateway needs to serve a bundle (API.md "Gateways"); immutable, so its ETag is the bundle hash.</summary>
public sealed record BundleContent(
    string Name, string Family, string Provider, string ModelId, string Prompt, string PromptHash, JsonElement Config,
    string ConfigHash, string BundleHash, IReadOnlyList<FallbackTarget> Fallbacks, Pricing? Pricing);

/// <summary>
/// Bundle contents by name. Bundles are immutable, so a content read once is right forever: the content endpoint and
/// OFREP's metadata read the database once per bundle. Unknown names are not remembered (they may be registered later).
/// </summary>
public sealed class BundleContentCache(RegistryService registry)
{
    /// <summary>More bundles than any console here holds; past it, reads go to the database (still correct).</summary>
    public const int MaxCached = 50_000;

    private readonly ConcurrentDictionary<string, BundleContent> _contents = new(StringComparer.Ordinal);

    public async ValueTask<BundleContent?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (_contents.TryGetValue(name, out var known))
        {
            return known;
        }

        var bundle = await registry.GetBundleAsync(name, cancellationToken);
        if (bundle is null)
        {
            return null;
        }

        var content = new BundleContent(bundle.Name, bundle.Family, bundle.Provider, bundle.ModelId, bundle.Prompt, bundle.PromptHash,
            bundle.Config.Clone(), bundle.ConfigHash, bundle.BundleHash, bundle.Fallbacks, bundle.Pricing);
        if (_contents.Count < MaxCached)
        {
            _contents.TryAdd(name, content);
        }

        return content;
    }
}
