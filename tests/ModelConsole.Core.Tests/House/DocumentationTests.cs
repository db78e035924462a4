using System.Reflection;
using System.Xml.Linq;
using ModelConsole.Core.Metrics;

namespace ModelConsole.Core.Tests.House;

/// <summary>STYLE.md: "Public types in Core get a one-line summary" — read from the XML documentation the build writes.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void EveryPublicTypeOfCore_HasASummary()
    {
        var assembly = typeof(MetricCatalog).Assembly;
        var file = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(file), $"{file}: the build writes Core's XML documentation");
        var documented = XDocument.Load(file).Descendants("member")
            .Where(m => !string.IsNullOrWhiteSpace(m.Element("summary")?.Value))
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);

        var missing = assembly.GetExportedTypes()
            .Where(t => !t.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
            .Select(t => "T:" + t.FullName!.Replace('+', '.'))
            .Where(name => !documented.Contains(name))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(missing.Count == 0, "Public types without a summary:\n" + string.Join("\n", missing));
    }
}
