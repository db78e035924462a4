using System.Text.Json;
using ModelConsole.Core.Bundles;

namespace ModelConsole.Data.Stores;

/// <summary>Baselines (registered and captured) are stored as JSON in the API's shape, so a new metric needs no new column.</summary>
internal static class Baselines
{
    public static string? Write(Baseline? baseline) => baseline is null ? null : JsonSerializer.Serialize(baseline, JsonSerializerOptions.Web);

    public static Baseline? Read(string? json) => json is null ? null : JsonSerializer.Deserialize<Baseline>(json, JsonSerializerOptions.Web);
}
