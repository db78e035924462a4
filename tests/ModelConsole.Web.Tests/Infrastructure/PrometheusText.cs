using System.Globalization;
using System.Text;

namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>One sample of a scrape: its name, labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A metric family: its type, help text and samples.</summary>
public sealed record PrometheusFamily(string Name, string Type, string? Help, List<PrometheusSample> Samples);

/// <summary>
/// A strict parser of Prometheus' text exposition format (version 0.0.4): HELP and TYPE lines, samples with escaped
/// label values, values including ±Inf and NaN, optional timestamps. Throws with the line on anything that does not
/// follow the format, and checks what the format promises: every sample belongs to a declared family, each family is
/// declared once, a histogram's buckets never decrease and its +Inf bucket equals its count.
/// </summary>
public static class PrometheusText
{
    private static readonly string[] Suffixes = ["_bucket", "_sum", "_count", "_total", "_created"];

    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text)
    {
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var rest = line[7..];
                    var space = rest.IndexOf(' ', StringComparison.Ordinal);
                    var name = space < 0 ? rest : rest[..space];
                    RequireName(name, metric: true);
                    help[name] = space < 0 ? string.Empty : rest[(space + 1)..];
                }
                else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var parts = line[7..].Split(' ');
                    if (parts.Length != 2 || parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    {
                        throw new FormatException("a TYPE line is '# TYPE name type'");
                    }

                    RequireName(parts[0], metric: true);
                    if (!families.TryAdd(parts[0], new PrometheusFamily(parts[0], parts[1], help.GetValueOrDefault(parts[0]), [])))
                    {
                        throw new FormatException($"{parts[0]} is declared twice");
                    }
                }
                else if (line.StartsWith('#'))
                {
                    continue;
                }
                else
                {
                    var sample = Sample(line);
                    var family = FamilyOf(sample.Name, families) ?? throw new FormatException($"{sample.Name} has no TYPE line before it");
                    family.Samples.Add(sample);
                }
            }
            catch (FormatException ex)
            {
                throw new FormatException($"line {n + 1}: {ex.Message}: {line}", ex);
            }
        }

        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            foreach (var series in family.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal))
                         .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))))
            {
                var buckets = series.Select(s => (Le: Number(s.Labels["le"]), s.Value)).ToList();
                for (var i = 1; i < buckets.Count; i++)
                {
                    if (buckets[i].Le <= buckets[i - 1].Le || buckets[i].Value < buckets[i - 1].Value)
                    {
                        throw new FormatException($"{family.Name}{{{series.Key}}}: buckets out of order or decreasing");
                    }
                }

                var count = family.Samples.Single(s => s.Name == family.Name + "_count" && Same(s.Labels, series.Key));
                if (!double.IsPositiveInfinity(buckets[^1].Le) || buckets[^1].Value != count.Value)
                {
                    throw new FormatException($"{family.Name}{{{series.Key}}}: the +Inf bucket is not the count");
                }
            }
        }

        return families;
    }

    private static bool Same(IReadOnlyDictionary<string, string> labels, string key) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) == key;

    private static PrometheusFamily? FamilyOf(string sample, Dictionary<string, PrometheusFamily> families)
    {
        if (families.TryGetValue(sample, out var exact))
        {
            return exact;
        }

        foreach (var suffix in Suffixes)
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && families.TryGetValue(sample[..^suffix.Length], out var family))
            {
                return family;
            }
        }

        return null;
    }

    private static PrometheusSample Sample(string line)
    {
        var at = 0;
        while (at < line.Length && line[at] is not ('{' or ' '))
        {
            at++;
        }

        var name = line[..at];
        RequireName(name, metric: true);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var equals = line.IndexOf('=', at);
                var label = line[at..equals];
                RequireName(label, metric: false);
                if (line[equals + 1] != '"')
                {
                    throw new FormatException($"the value of label {label} is not quoted");
                }

                var value = new StringBuilder();
                at = equals + 2;
                while (line[at] != '"')
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] switch { '\\' => '\\', '"' => '"', 'n' => '\n', var c => throw new FormatException($"unknown escape \\{c}") });
                    }
                    else
                    {
                        value.Append(line[at]);
                    }

                    at++;
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException($"label {label} given twice");
                }

                at++;
                if (line[at] == ',')
                {
                    at++;
                }
            }

            at++;
        }

        var fields = line[at..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 1 or > 2 || (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException("a sample is 'name{labels} value [timestamp]'");
        }

        return new PrometheusSample(name, labels, Number(fields[0]));
    }

    private static double Number(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"'{text}' is not a number"),
    };

    private static void RequireName(string name, bool metric)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_' || (metric && name[0] == ':'))
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_' || (metric && c == ':'))))
        {
            throw new FormatException($"'{name}' is not a valid {(metric ? "metric" : "label")} name");
        }
    }
}
