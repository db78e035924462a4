using System.Text;
using System.Text.Json;
using ModelConsole.Core.Validation;

namespace ModelConsole.Core.Bundles;

/// <summary>What someone asks to register (API body or the register dialog), before any check.</summary>
public sealed record BundleDraft(
    string? Name,
    string? Family,
    string? Provider,
    string? ModelId,
    string? Prompt,
    JsonElement? Config,
    string? Parent = null,
    string? Justification = null,
    Pricing? Pricing = null,
    Baseline? Baseline = null,
    IReadOnlyList<FallbackTarget>? Fallbacks = null,
    string? Notes = null);

/// <summary>The stored facts a registration is checked against.</summary>
public sealed record RegistrationFacts(bool FamilyExists, bool NameTaken, ParentFacts? Parent);

/// <summary>The parent as stored: its family and identity.</summary>
public sealed record ParentFacts(string Name, string Family, BundleIdentity Identity, string BundleHash);

/// <summary>A draft that passed every check, with its canonical config, hashes and changes against the parent.</summary>
public sealed record AcceptedBundle(
    string Name,
    string Family,
    string Provider,
    string ModelId,
    string Prompt,
    string CanonicalConfig,
    BundleHashes Hashes,
    string? Parent,
    ChangedParts Changed,
    bool MultiVariable,
    string? Justification,
    Pricing? Pricing,
    Baseline? Baseline,
    IReadOnlyList<FallbackTarget> Fallbacks,
    string? Notes);

/// <summary>The outcome of a registration check: accepted, invalid (400) or a name conflict (409).</summary>
public sealed record RegistrationOutcome(AcceptedBundle? Accepted, ValidationErrors Errors, string? Conflict)
{
    public bool IsAccepted => Accepted is not null;
}

/// <summary>Every rule a new bundle must pass, in one place for the API and the register dialog.</summary>
public static class BundleRegistration
{
    public const int MaxPromptBytes = 256 * 1024;
    public const int MaxConfigBytes = 64 * 1024;
    public const int MaxPartLength = 128;
    public const int MaxNotesLength = 4000;
    public const int MaxJustificationLength = 2000;
    public const int MaxFallbacks = 8;

    /// <summary>Checks the shape of a draft without stored facts: what the dialog can say field by field.</summary>
    public static ValidationErrors CheckShape(BundleDraft draft, out string? canonicalConfig)
    {
        var errors = new ValidationErrors();
        AddIf(errors, "name", Names.Check(draft.Name, "bundle"));
        AddIf(errors, "family", Names.Check(draft.Family, "family"));
        AddIf(errors, "provider", CheckPart(draft.Provider, "provider"));
        AddIf(errors, "modelId", CheckPart(draft.ModelId, "model id"));

        if (draft.Prompt is null || draft.Prompt.Length == 0)
        {
            errors.Add("prompt", "The prompt is required.");
        }
        else if (Encoding.UTF8.GetByteCount(draft.Prompt) > MaxPromptBytes)
        {
            errors.Add("prompt", $"The prompt is larger than {MaxPromptBytes / 1024} KB.");
        }

        canonicalConfig = null;
        if (draft.Config is not { } config || config.ValueKind == JsonValueKind.Undefined)
        {
            errors.Add("config", "The config is required (a JSON object, {} for none).");
        }
        else if (config.ValueKind != JsonValueKind.Object)
        {
            errors.Add("config", "The config must be a JSON object.");
        }
        else
        {
            try
            {
                canonicalConfig = JsonCanonicalizer.Canonicalize(config);
                if (Encoding.UTF8.GetByteCount(canonicalConfig) > MaxConfigBytes)
                {
                    errors.Add("config", $"The config is larger than {MaxConfigBytes / 1024} KB.");
                    canonicalConfig = null;
                }
            }
            catch (FormatException ex)
            {
                errors.Add("config", ex.Message);
            }
        }

        if (draft.Parent is not null)
        {
            AddIf(errors, "parent", Names.Check(draft.Parent, "parent"));
        }

        if (draft.Justification is { Length: > MaxJustificationLength })
        {
            errors.Add("justification", $"The justification is longer than {MaxJustificationLength} characters.");
        }

        if (draft.Notes is { Length: > MaxNotesLength })
        {
            errors.Add("notes", $"The notes are longer than {MaxNotesLength} characters.");
        }

        CheckPricing(draft.Pricing, errors);
        CheckBaseline(draft.Baseline, errors);
        CheckFallbacks(draft.Fallbacks, errors);
        return errors;
    }

    /// <summary>Parses JSON text typed by a person into a config element, or says why it is not one.</summary>
    public static (JsonElement? Config, string? Error) ParseConfig(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, "The config is required (a JSON object, {} for none).");
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? (doc.RootElement.Clone(), null)
                : (null, "The config must be a JSON object.");
        }
        catch (JsonException ex)
        {
            return (null, $"The config is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Identity of a draft whose shape is valid, for previews against a parent.</summary>
    public static BundleIdentity Identify(string provider, string modelId, string prompt, string canonicalConfig)
    {
        var hashes = BundleHashes.Compute(provider, modelId, prompt, canonicalConfig);
        return new BundleIdentity(provider, modelId, hashes.PromptHash, hashes.ConfigHash);
    }

    /// <summary>The full check: shape, then the stored facts (family, name, parent), then the one-variable rule.</summary>
    public static RegistrationOutcome Check(BundleDraft draft, RegistrationFacts facts)
    {
        var errors = CheckShape(draft, out var canonicalConfig);
        if (!errors.Has("family") && !facts.FamilyExists)
        {
            errors.Add("family", $"There is no family named '{draft.Family}'.");
        }

        if (draft.Parent is not null && !errors.Has("parent"))
        {
            if (facts.Parent is null)
            {
                errors.Add("parent", $"There is no bundle named '{draft.Parent}'.");
            }
            else if (!string.Equals(facts.Parent.Family, draft.Family, StringComparison.Ordinal))
            {
                errors.Add("parent", $"The parent '{draft.Parent}' belongs to the family '{facts.Parent.Family}', not '{draft.Family}'.");
            }
        }

        if (!errors.IsEmpty || canonicalConfig is null)
        {
            return new RegistrationOutcome(null, errors, null);
        }

        var hashes = BundleHashes.Compute(draft.Provider!, draft.ModelId!, draft.Prompt!, canonicalConfig);
        var changed = ChangedParts.None;
        if (facts.Parent is { } parent)
        {
            changed = BundleChanges.Diff(parent.Identity, new BundleIdentity(draft.Provider!, draft.ModelId!, hashes.PromptHash, hashes.ConfigHash));
            if (changed == ChangedParts.None)
            {
                errors.Add("parent", $"Nothing differs from the parent '{parent.Name}' (same bundle hash): change the model, the prompt or the config.");
            }
            else if (BundleChanges.IsMultiVariable(changed) && string.IsNullOrWhiteSpace(draft.Justification))
            {
                errors.Add("justification", $"More than one variable changed against the parent ({string.Join(", ", BundleChanges.ToNames(changed))}): a justification is required.");
            }
        }

        if (!errors.IsEmpty)
        {
            return new RegistrationOutcome(null, errors, null);
        }

        if (facts.NameTaken)
        {
            return new RegistrationOutcome(null, errors, $"A bundle named '{draft.Name}' already exists.");
        }

        var multi = BundleChanges.IsMultiVariable(changed);
        var accepted = new AcceptedBundle(
            draft.Name!, draft.Family!, draft.Provider!, draft.ModelId!, draft.Prompt!, canonicalConfig, hashes,
            draft.Parent, changed, multi, multi ? draft.Justification!.Trim() : Blank(draft.Justification),
            draft.Pricing, draft.Baseline, draft.Fallbacks ?? [], Blank(draft.Notes));
        return new RegistrationOutcome(accepted, errors, null);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static void AddIf(ValidationErrors errors, string field, string? message)
    {
        if (message is not null)
        {
            errors.Add(field, message);
        }
    }

    private static string? CheckPart(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"The {what} is required.";
        }

        if (value.Length > MaxPartLength)
        {
            return $"The {what} is longer than {MaxPartLength} characters.";
        }

        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return $"The {what} may not contain spaces or control characters.";
        }

        return null;
    }

    private static void CheckPricing(Pricing? pricing, ValidationErrors errors)
    {
        if (pricing is null)
        {
            return;
        }

        CheckMoney(pricing.InputPerMillion, "pricing.inputPerMillion", errors);
        CheckMoney(pricing.OutputPerMillion, "pricing.outputPerMillion", errors);
        if (pricing.CachedInputPerMillion is { } cached)
        {
            CheckMoney(cached, "pricing.cachedInputPerMillion", errors);
        }
    }

    private static void CheckMoney(double value, string field, ValidationErrors errors)
    {
        if (!double.IsFinite(value) || value < 0 || value > Limits.MaxPricePerMillionUsd)
        {
            errors.Add(field, $"A price is a number of USD per million tokens from 0 to {Limits.MaxPricePerMillionUsd:N0}.");
        }
    }

    private static void CheckBaseline(Baseline? baseline, ValidationErrors errors)
    {
        if (baseline is null)
        {
            return;
        }

        if (baseline.Samples is { } samples && samples < 1)
        {
            errors.Add("baseline.samples", "The baseline's samples must be at least 1.");
        }
        else if (baseline.Samples is null && baseline.HasStatistics)
        {
            errors.Add("baseline.samples", "A baseline with rates or means needs its number of samples.");
        }

        foreach (var metric in Metrics.MetricCatalog.All)
        {
            var (value, spread) = metric.FromBaseline(baseline);
            CheckRange(value, "baseline." + metric.BaselineField, 0, metric.BaselineMaximum, errors);
            if (metric.BaselineStdDevField is { } spreadField)
            {
                CheckRange(spread, "baseline." + spreadField, 0, metric.BaselineMaximum, errors);
            }
        }

        if (baseline is { LatencyP50Ms: { } p50, LatencyP95Ms: { } p95 } && p95 < p50)
        {
            errors.Add("baseline.latencyP95Ms", "The p95 latency cannot be below the p50 latency.");
        }
    }

    private static void CheckRange(double? value, string field, double min, double max, ValidationErrors errors)
    {
        if (value is { } v && (!double.IsFinite(v) || v < min || v > max))
        {
            errors.Add(field, max == double.MaxValue
                ? "Must be a finite number, zero or more."
                : $"Must be between {min} and {max}.");
        }
    }

    private static void CheckFallbacks(IReadOnlyList<FallbackTarget>? fallbacks, ValidationErrors errors)
    {
        if (fallbacks is null)
        {
            return;
        }

        if (fallbacks.Count > MaxFallbacks)
        {
            errors.Add("fallbacks", $"At most {MaxFallbacks} fallbacks.");
            return;
        }

        for (var i = 0; i < fallbacks.Count; i++)
        {
            AddIf(errors, $"fallbacks[{i}].provider", CheckPart(fallbacks[i]?.Provider, "fallback provider"));
            AddIf(errors, $"fallbacks[{i}].modelId", CheckPart(fallbacks[i]?.ModelId, "fallback model id"));
        }
    }
}
