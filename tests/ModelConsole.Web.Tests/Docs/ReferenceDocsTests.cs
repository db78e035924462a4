using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Docs;

/// <summary>
/// The reference in docs/ kept in step with the code: every endpoint the console maps for machines is named in
/// docs/api.md as "METHOD /path", and every key of appsettings.sample.json in docs/configuration.md.
/// </summary>
public sealed partial class ReferenceDocsTests : IAsyncLifetime
{
    private static readonly string[] MachinePrefixes = ["/api/v1/", "/ofrep/", "/healthz", "/readyz", "/openapi/", "/hubs/", "/metrics", "/v1/"];

    private TestDatabase _database = null!;
    private ConsoleFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _database = TestDatabase.CreateSqlite();
        _factory = new ConsoleFactory(_database);
        using var client = _factory.CreateKeyClient();
        await client.GetAsync("/healthz");
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public void ApiReference_NamesEveryEndpointTheConsoleMaps()
    {
        var reference = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));
        var named = EndpointLine().Matches(reference).Select(m => $"{m.Groups[1].Value} {Normalise(m.Groups[2].Value)}").ToHashSet(StringComparer.Ordinal);

        var mapped = MappedEndpoints().ToList();
        Assert.True(mapped.Count >= 35, $"only {mapped.Count} endpoints found: the enumeration is broken");
        var missing = mapped.Where(e => !named.Contains(e)).ToList();

        Assert.True(missing.Count == 0, "docs/api.md does not mention: " + string.Join(", ", missing));
    }

    [Fact]
    public void ApiReference_NamesNoEndpointThatDoesNotExist()
    {
        var reference = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));
        var mapped = MappedEndpoints().ToHashSet(StringComparer.Ordinal);
        var stale = EndpointLine().Matches(reference).Select(m => $"{m.Groups[1].Value} {Normalise(m.Groups[2].Value)}")
            .Where(e => !mapped.Contains(e)).Distinct().ToList();

        Assert.True(stale.Count == 0, "docs/api.md names endpoints the console does not map: " + string.Join(", ", stale));
    }

    [Fact]
    public void ConfigurationReference_NamesEveryKeyOfTheSample()
    {
        var reference = File.ReadAllText(Path.Combine(Repository.Root, "docs", "configuration.md"));
        var sample = new ConfigurationBuilder().AddJsonFile(Path.Combine(Repository.Root, "appsettings.sample.json"), optional: false).Build();
        // Leaves only: a section's own key ("Auth") is not a setting; array items are listed by their section.
        var all = sample.AsEnumerable().Select(kv => kv.Key).ToList();
        var keys = all.Where(k => !all.Any(other => other.StartsWith(k + ":", StringComparison.Ordinal)))
            .Select(k => NumberedItem().Replace(k, string.Empty)).Distinct().ToList();
        Assert.True(keys.Count >= 30, $"only {keys.Count} keys read from the sample");

        var missing = keys.Where(k => !reference.Contains($"`{k}`", StringComparison.Ordinal)).ToList();

        Assert.True(missing.Count == 0, "docs/configuration.md does not mention: " + string.Join(", ", missing));
    }

    private IEnumerable<string> MappedEndpoints()
    {
        foreach (var endpoint in _factory.Services.GetRequiredService<IEnumerable<EndpointDataSource>>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = Normalise(endpoint.RoutePattern.RawText ?? string.Empty);
            if (!MachinePrefixes.Any(p => pattern.StartsWith(p, StringComparison.Ordinal) || pattern == p.TrimEnd('/')) || pattern.StartsWith("/api/{", StringComparison.Ordinal))
            {
                continue;
            }

            // The hub's own negotiate and transport endpoints are one hub.
            if (pattern.StartsWith("/hubs/", StringComparison.Ordinal))
            {
                yield return $"HUB {Regex.Replace(pattern, "/negotiate$", string.Empty)}";
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                yield return $"{method} {pattern}";
            }
        }
    }

    /// <summary>"/families/{id:long}/" → "/families/{id}"; the OpenAPI document name is its one value, v1.</summary>
    private static string Normalise(string pattern)
    {
        var path = RouteConstraint().Replace(pattern, "{$1}").TrimEnd('/');
        return path.Replace("{documentName}.json", "v1.json", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"`(GET|POST|PUT|DELETE|PATCH|HUB) (/[^`\s?]*)[^`]*`")]
    private static partial Regex EndpointLine();

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]*)?\}")]
    private static partial Regex RouteConstraint();

    [GeneratedRegex(@":\d+(?=:|$)")]
    private static partial Regex NumberedItem();
}
