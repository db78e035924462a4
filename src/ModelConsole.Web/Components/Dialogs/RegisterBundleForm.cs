using System.Globalization;
using System.Text.RegularExpressions;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;

namespace ModelConsole.Web.Components.Dialogs;

/// <summary>What the register dialog shows about the draft against its parent.</summary>
public sealed record ParentPreview(string Parent, ChangedParts Changed, bool MultiVariable)
{
    public bool Identical => Changed == ChangedParts.None;
}

/// <summary>
/// The register dialog's state: the fields as typed, their errors (from Core's rules), and the live comparison with
/// the parent. Free of rendering so it can be tested on its own.
/// </summary>
public sealed partial class RegisterBundleForm
{
    public string? Family { get; set; }
    public string? Parent { get; set; }
    public string? Name { get; set; }
    public string? Provider { get; set; }
    public string? ModelId { get; set; }
    public string? Prompt { get; set; }
    public string? ConfigText { get; set; } = "{}";
    public string? Justification { get; set; }
    public string? Notes { get; set; }
    public string? FallbacksText { get; set; }
    public double? InputPerMillion { get; set; }
    public double? OutputPerMillion { get; set; }
    public double? CachedInputPerMillion { get; set; }

    /// <summary>Set once the person tried to submit: from then on every error shows, not only those of touched fields.</summary>
    public bool Submitted { get; set; }

    public HashSet<string> Touched { get; } = new(StringComparer.Ordinal);

    public ValidationErrors Errors { get; private set; } = new();

    /// <summary>Errors the server added (unknown family, name taken), cleared when the field changes.</summary>
    public ValidationErrors ServerErrors { get; private set; } = new();

    public ParentPreview? Preview { get; private set; }

    public BundleParts? ParentParts { get; private set; }

    /// <summary>Shows a field's first error once the field was touched or a submit was tried.</summary>
    public string? ErrorFor(string field)
    {
        var server = ServerErrors.For(field);
        if (server.Count > 0)
        {
            return server[0];
        }

        var errors = Errors.For(field);
        return errors.Count > 0 && (Submitted || Touched.Contains(field)) ? errors[0] : null;
    }

    public void Touch(string field)
    {
        Touched.Add(field);
        ServerErrors = new ValidationErrors();
        Validate();
    }

    /// <summary>Takes the parent's parts; fills the empty fields from them so the person changes one thing.</summary>
    public void UseParent(BundleParts? parent)
    {
        ParentParts = parent;
        Parent = parent?.Name;
        if (parent is not null)
        {
            Provider = string.IsNullOrWhiteSpace(Provider) ? parent.Provider : Provider;
            ModelId = string.IsNullOrWhiteSpace(ModelId) ? parent.ModelId : ModelId;
            Prompt = string.IsNullOrEmpty(Prompt) ? parent.Prompt : Prompt;
            if (string.IsNullOrWhiteSpace(ConfigText) || ConfigText.Trim() == "{}")
            {
                ConfigText = PrettyConfig(parent.CanonicalConfig);
            }

            Name = string.IsNullOrWhiteSpace(Name) ? NextName(parent.Name) : Name;
        }

        Validate();
    }

    /// <summary>Builds the draft Core checks; what only the form can get wrong goes into the errors too.</summary>
    public BundleDraft ToDraft(ValidationErrors errors)
    {
        var (config, configError) = BundleRegistration.ParseConfig(ConfigText);
        if (configError is not null)
        {
            errors.Add("config", configError);
        }

        Pricing? pricing = null;
        if (InputPerMillion is not null || OutputPerMillion is not null || CachedInputPerMillion is not null)
        {
            if (InputPerMillion is null)
            {
                errors.Add("pricing.inputPerMillion", "Give the input price too, or leave all prices empty.");
            }

            if (OutputPerMillion is null)
            {
                errors.Add("pricing.outputPerMillion", "Give the output price too, or leave all prices empty.");
            }

            pricing = new Pricing(InputPerMillion ?? 0, OutputPerMillion ?? 0, CachedInputPerMillion);
        }

        var fallbacks = ParseFallbacks(FallbacksText, errors);
        return new BundleDraft(Blank(Name), Blank(Family), Blank(Provider), Blank(ModelId), Prompt, config,
            Blank(Parent), Blank(Justification), pricing, null, fallbacks, Blank(Notes));
    }

    /// <summary>Re-checks every field with Core's rules and recomputes the comparison with the parent.</summary>
    public void Validate()
    {
        var formErrors = new ValidationErrors();
        var draft = ToDraft(formErrors);
        var shapeErrors = BundleRegistration.CheckShape(draft, out var canonicalConfig);

        // What the form itself could not read (bad JSON, half a price) says more than the generic rule.
        var errors = formErrors;
        foreach (var (field, messages) in shapeErrors.ToDictionary())
        {
            if (!formErrors.Has(field))
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }

        Preview = null;
        if (ParentParts is { } parent && canonicalConfig is not null && !errors.Has("provider") && !errors.Has("modelId") && !errors.Has("prompt"))
        {
            var identity = BundleRegistration.Identify(draft.Provider!, draft.ModelId!, draft.Prompt!, canonicalConfig);
            var changed = BundleChanges.Diff(new BundleIdentity(parent.Provider, parent.ModelId, parent.PromptHash, parent.ConfigHash), identity);
            Preview = new ParentPreview(parent.Name, changed, BundleChanges.IsMultiVariable(changed));
            if (Preview.MultiVariable && string.IsNullOrWhiteSpace(Justification))
            {
                errors.Add("justification", "More than one variable changed: say why they must change together.");
            }
        }

        Errors = errors;
    }

    public bool CanSubmit => Errors.IsEmpty && Preview is not { Identical: true };

    /// <summary>Errors from the server (after its own check against stored facts), shown on their fields.</summary>
    public void ApplyServer(ValidationErrors errors, string? conflict)
    {
        ServerErrors = errors;
        if (conflict is not null)
        {
            ServerErrors.Add("name", conflict);
        }
    }

    /// <summary>Suggests the next name in a lineage: support-agent-v12 → support-agent-v13.</summary>
    public static string NextName(string parent)
    {
        var match = VersionSuffix().Match(parent);
        return match.Success
            ? parent[..match.Index] + "-v" + (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture)
            : parent + "-v2";
    }

    /// <summary>One fallback a line, as "provider/model-id".</summary>
    public static IReadOnlyList<FallbackTarget>? ParseFallbacks(string? text, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var result = new List<FallbackTarget>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == line.Length - 1)
            {
                errors.Add("fallbacks", $"'{line}' is not of the form provider/model-id.");
                continue;
            }

            result.Add(new FallbackTarget(line[..slash].Trim(), line[(slash + 1)..].Trim()));
        }

        return result;
    }

    private static string PrettyConfig(string canonical)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(canonical);
        return System.Text.Json.JsonSerializer.Serialize(doc.RootElement, PrettyJson);
    }

    private static readonly System.Text.Json.JsonSerializerOptions PrettyJson = new() { WriteIndented = true };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex(@"-v(\d{1,6})$")]
    private static partial Regex VersionSuffix();
}
