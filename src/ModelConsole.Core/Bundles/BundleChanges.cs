namespace ModelConsole.Core.Bundles;

/// <summary>The parts of a bundle that can differ from its parent: one at a time, unless justified.</summary>
[Flags]
public enum ChangedParts
{
    None = 0,
    Model = 1,
    Prompt = 2,
    Config = 4,
}

/// <summary>The identity of a bundle's parts, enough to diff it against a parent.</summary>
public sealed record BundleIdentity(string Provider, string ModelId, string PromptHash, string ConfigHash);

/// <summary>The one-variable rule: what changed against the parent, and whether that is more than one thing.</summary>
public static class BundleChanges
{
    public static ChangedParts Diff(BundleIdentity parent, BundleIdentity child)
    {
        var changed = ChangedParts.None;
        if (!string.Equals(parent.Provider, child.Provider, StringComparison.Ordinal)
            || !string.Equals(parent.ModelId, child.ModelId, StringComparison.Ordinal))
        {
            changed |= ChangedParts.Model;
        }

        if (!string.Equals(parent.PromptHash, child.PromptHash, StringComparison.Ordinal))
        {
            changed |= ChangedParts.Prompt;
        }

        if (!string.Equals(parent.ConfigHash, child.ConfigHash, StringComparison.Ordinal))
        {
            changed |= ChangedParts.Config;
        }

        return changed;
    }

    public static bool IsMultiVariable(ChangedParts changed) => Count(changed) > 1;

    public static int Count(ChangedParts changed) => System.Numerics.BitOperations.PopCount((uint)changed);

    /// <summary>The API's names, in the fixed order model, prompt, config.</summary>
    public static IReadOnlyList<string> ToNames(ChangedParts changed)
    {
        var names = new List<string>(3);
        if (changed.HasFlag(ChangedParts.Model))
        {
            names.Add("model");
        }

        if (changed.HasFlag(ChangedParts.Prompt))
        {
            names.Add("prompt");
        }

        if (changed.HasFlag(ChangedParts.Config))
        {
            names.Add("config");
        }

        return names;
    }

    public static ChangedParts FromNames(IEnumerable<string> names)
    {
        var changed = ChangedParts.None;
        foreach (var name in names)
        {
            changed |= name switch
            {
                "model" => ChangedParts.Model,
                "prompt" => ChangedParts.Prompt,
                "config" => ChangedParts.Config,
                _ => ChangedParts.None,
            };
        }

        return changed;
    }
}
