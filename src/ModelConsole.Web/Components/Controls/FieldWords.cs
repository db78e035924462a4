using System.Text.RegularExpressions;

namespace ModelConsole.Web.Components.Controls;

/// <summary>
/// The API's field names in Core's messages ("splitBPercent is arm B's share…") as a person reads them next to a
/// form field ("Arm B's share is…"). Core words its messages for the API; the forms show the same checks in words.
/// </summary>
public static partial class FieldWords
{
    private static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["splitBPercent"] = "Arm B's share",
        ["mde"] = "The effect",
        ["mdeType"] = "The effect's type",
        ["alpha"] = "α",
        ["power"] = "Power",
        ["baseline"] = "The baseline",
        ["stdDev"] = "The standard deviation",
        ["sides"] = "The test",
        ["percent"] = "The percent",
        ["mirrorPercent"] = "The mirror percent",
        ["requestsPerDay"] = "Requests per day",
        ["inflation"] = "The inflation",
        ["costPerCallUsd"] = "The cost per call",
        ["activeCostPerCallUsd"] = "The active cost per call",
        ["inputPerMillion"] = "The input price",
        ["outputPerMillion"] = "The output price",
        ["cachedInputPerMillion"] = "The cached input price",
        ["windowMinutes"] = "The window",
        ["minSamples"] = "Min samples",
        ["consecutive"] = "Consecutive breaches",
        ["minEffect"] = "Min effect",
        ["minAbsoluteEffect"] = "Min absolute effect",
        ["tolerance"] = "The tolerance",
        ["z"] = "z",
        ["test"] = "The test",
        ["minutes"] = "The duration",
    };

    /// <summary><paramref name="message"/> with a leading API field name (and "pricing.x"-style paths) in words; null stays null.</summary>
    public static string? Humanize(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return message;
        }

        var match = LeadingName().Match(message);
        if (!match.Success || !Words.TryGetValue(match.Groups["name"].Value, out var words))
        {
            return message;
        }

        return words + message[match.Length..];
    }

    [GeneratedRegex(@"^(?:[a-z]+\.)?(?<name>[a-z][A-Za-z]*)\b")]
    private static partial Regex LeadingName();
}
