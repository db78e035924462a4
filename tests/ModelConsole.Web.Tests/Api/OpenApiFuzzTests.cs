using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ModelConsole.Web.Tests.Api;

/// <summary>
/// A fuzzer driven by the console's own OpenAPI document: every operation is called with generated path, query and
/// body values — wrong types, missing and extra fields, huge and non-finite numbers, long and odd Unicode, malformed
/// JSON, duplicate keys, wrong content types — at least 5,000 requests. Never a 5xx; every refusal under /api is
/// problem details; and a census of every table is unchanged by each refused request.
/// </summary>
public sealed class OpenApiFuzzTests(SqliteKeysFixture fixture, ITestOutputHelper output) : IClassFixture<SqliteKeysFixture>
{
    private const int Requests = 5_000;

    // Written by the console's own background work (evaluations, key bookkeeping), not by requests.
    private static readonly HashSet<string> Unstable = new(StringComparer.Ordinal) { "rule_states", "alerts", "api_keys", "AspNetUsers", "data_protection_keys" };

    private static readonly string[] OddStrings =
    [
        "", " ", "a", new string('x', 5_000), "../../etc/passwd", "%00", "\u0000", "名前-テスト", "🙂🙃💥", "\u202Eevil", "\u200B", "NaN", "Infinity",
        "-1", "1e308", "<script>alert(1)</script>", "' OR 1=1 --", "{\"a\":1}", "null", "true",
    ];

    private static readonly string[] OddNumbers = ["0", "-1", "-0.0", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "123456789012345678901234567890", "0.30000000000000004", "1e400"];

    private static readonly string[] MalformedBodies =
    [
        "", "{", "}", "[]", "null", "\"text\"", "42", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "\uFEFF{}", "{\"a\":1,}", "[1,2",
        new string('[', 2_000) + new string(']', 2_000), "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e999}",
    ];

    [Fact]
    public async Task FiveThousandGeneratedRequests_NeverA5xx_RefusalsAreProblemDetails_AndChangeNothing()
    {
        var client = fixture.Factory.CreateKeyClient();
        // Something to aim at: a family with a canary, its bundles and a rule set.
        var family = await client.CanaryFamilyAsync("fz");
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var operations = Operations(document).ToList();
        Assert.True(operations.Count >= 25, $"only {operations.Count} operations in the document");

        var random = new Random(5000);
        var census = await CensusAsync();
        var sent = 0;
        var refused = 0;
        var failures = new List<string>();
        while (sent < Requests)
        {
            foreach (var operation in operations)
            {
                foreach (var request in Variants(operation, document, family, random))
                {
                    using var message = request.ToMessage();
                    using var response = await client.SendAsync(message);
                    sent++;
                    var status = (int)response.StatusCode;
                    var body = await response.Content.ReadAsStringAsync();
                    if (status >= 500)
                    {
                        failures.Add($"{status} {request}: {Clip(body)}");
                    }

                    if (status >= 400 && request.Path.StartsWith("/api/", StringComparison.Ordinal) && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        failures.Add($"{status} without problem details {request}: {response.Content.Headers.ContentType} {Clip(body)}");
                    }

                    if (request.Method != HttpMethod.Get)
                    {
                        var after = await CensusAsync();
                        if (status >= 400)
                        {
                            refused++;
                            var changed = after.Where(t => census.GetValueOrDefault(t.Key) != t.Value).Select(t => $"{t.Key} {census.GetValueOrDefault(t.Key)}→{t.Value}").ToList();
                            if (changed.Count > 0)
                            {
                                failures.Add($"{status} refusal changed {string.Join(", ", changed)}: {request}");
                            }
                        }

                        census = after;
                    }

                    if (failures.Count > 20)
                    {
                        break;
                    }
                }
            }

            if (failures.Count > 20)
            {
                break;
            }
        }

        output.WriteLine($"{sent} requests over {operations.Count} operations, {refused} refused writes, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(sent >= Requests);
    }

    private async Task<Dictionary<string, long>> CensusAsync()
    {
        await using var scope = fixture.Factory.Services.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        var census = new Dictionary<string, long>(StringComparer.Ordinal);
        await db.Database.OpenConnectionAsync();
        foreach (var table in db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct().Where(t => !Unstable.Contains(t)))
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            census[table] = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return census;
    }

    private sealed record Operation(string Path, HttpMethod Method, JsonObject Definition);

    private sealed record Generated(HttpMethod Method, string Path, string? Body, string? ContentType)
    {
        public HttpRequestMessage ToMessage()
        {
            var message = new HttpRequestMessage(Method, Path);
            if (Body is not null)
            {
                message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
                if (ContentType is not null)
                {
                    message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }
            }

            return message;
        }

        public override string ToString() => $"{Method} {Clip(Path, 160)} [{ContentType}] {Clip(Body ?? "", 200)}";
    }

    private static IEnumerable<Operation> Operations(JsonObject document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, definition) in item!.AsObject())
            {
                if (method is "get" or "post" or "put" or "delete" or "patch")
                {
                    yield return new Operation(path, new HttpMethod(method.ToUpperInvariant()), definition!.AsObject());
                }
            }
        }
    }

    private static IEnumerable<Generated> Variants(Operation operation, JsonObject document, string family, Random random)
    {
        var parameters = operation.Definition["parameters"]?.AsArray().Select(p => Resolve(p!.AsObject(), document)).OfType<JsonObject>().ToList() ?? [];
        var pathParameters = parameters.Where(p => (string?)p["in"] == "path").Select(p => (string)p["name"]!).ToList();
        var queryParameters = parameters.Where(p => (string?)p["in"] == "query").Select(p => ((string)p["name"]!, Resolve(p["schema"]?.AsObject(), document))).ToList();
        var body = operation.Definition["requestBody"]?["content"]?["application/json"]?["schema"] is JsonObject schema ? Resolve(schema, document) : null;

        string PathWith(Func<string, string> value) =>
            pathParameters.Aggregate(operation.Path, (path, name) => path.Replace("{" + name + "}", Uri.EscapeDataString(value(name)), StringComparison.Ordinal));

        // A plausible target: the fuzz family, its canary, a small id.
        string Plausible(string name) => name switch
        {
            "family" => family,
            "id" => random.Next(0, 3) == 0 ? "exp-000000000000" : "1",
            "documentName" => "v1",
            _ => family + "-v2",
        };

        var basePath = PathWith(Plausible);
        string Query(IEnumerable<(string Name, string Value)> values) =>
            string.Join("&", values.Select(v => Uri.EscapeDataString(v.Name) + "=" + Uri.EscapeDataString(v.Value)));

        // Odd path values.
        // A NUL in a path never reaches the app (Kestrel refuses the request line itself; the test host cannot send it).
        foreach (var odd in OddStrings.Where(o => !o.Contains('\0') && o != "%00").OrderBy(_ => random.Next()).Take(3))
        {
            if (pathParameters.Count > 0)
            {
                yield return new Generated(operation.Method, PathWith(_ => odd.Length > 0 ? odd : "x"), body is null ? null : "{}", body is null ? null : "application/json");
            }
        }

        // Odd query values, each parameter in turn.
        foreach (var (name, _) in queryParameters)
        {
            foreach (var odd in OddStrings.Concat(OddNumbers).OrderBy(_ => random.Next()).Take(4))
            {
                yield return new Generated(operation.Method, basePath + "?" + Query([(name, odd)]), body is null ? null : "{}", body is null ? null : "application/json");
            }
        }

        if (body is null)
        {
            yield return new Generated(operation.Method, basePath, null, null);
            yield break;
        }

        var valid = Instance(body, document, family, depth: 0) ?? new JsonObject();
        yield return new Generated(operation.Method, basePath, valid.ToJsonString(), "application/json");
        yield return new Generated(operation.Method, basePath, "{}", "application/json");

        if (valid is JsonObject obj)
        {
            foreach (var (property, _) in obj.ToList())
            {
                foreach (var wrong in WrongValues(random))
                {
                    var copy = obj.DeepClone().AsObject();
                    copy[property] = wrong;
                    yield return new Generated(operation.Method, basePath, copy.ToJsonString(), "application/json");
                }

                var without = obj.DeepClone().AsObject();
                without.Remove(property);
                yield return new Generated(operation.Method, basePath, without.ToJsonString(), "application/json");

                // A raw number JSON cannot hold as a double, and a key given twice.
                var text = obj.ToJsonString();
                yield return new Generated(operation.Method, basePath, text.Insert(1, $"\"{property}\":1e999,"), "application/json");
                yield return new Generated(operation.Method, basePath, text.Insert(1, $"\"{property}\":{obj[property]?.ToJsonString() ?? "null"},"), "application/json");
            }

            var extra = obj.DeepClone().AsObject();
            extra["unknownField" + random.Next(1000)] = new string('z', 300);
            yield return new Generated(operation.Method, basePath, extra.ToJsonString(), "application/json");
        }

        foreach (var malformed in MalformedBodies.OrderBy(_ => random.Next()).Take(5))
        {
            yield return new Generated(operation.Method, basePath, malformed, "application/json");
        }

        foreach (var type in new[] { "text/plain", "application/xml", null, "multipart/form-data; boundary=x", "application/json; charset=utf-16" })
        {
            yield return new Generated(operation.Method, basePath, valid.ToJsonString(), type);
        }
    }

    private static IEnumerable<JsonNode?> WrongValues(Random random)
    {
        yield return JsonValue.Create(OddStrings[random.Next(OddStrings.Length)]);
        yield return JsonValue.Create(random.Next(2) == 0 ? 1e308 : -1e308);
        yield return JsonValue.Create(random.Next(2) == 0 ? -1 : 0);
        yield return new JsonArray(1, 2, 3);
        yield return new JsonObject { ["nested"] = true };
        yield return null;
        yield return JsonValue.Create(string.Concat(Enumerable.Repeat("🙂\u202E\u0007", 400)));
    }

    /// <summary>A value the schema describes (the first type of a union; strings named like the fuzz family's things).</summary>
    private static JsonNode? Instance(JsonObject? schema, JsonObject document, string family, int depth)
    {
        schema = Resolve(schema, document);
        if (schema is null || depth > 4)
        {
            return null;
        }

        var type = schema["type"] switch
        {
            JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
            JsonValue value => (string?)value,
            _ => schema["properties"] is not null ? "object" : null,
        };
        return type switch
        {
            "object" => new JsonObject((schema["properties"]?.AsObject() ?? []).Select(p =>
                KeyValuePair.Create(p.Key, Instance(p.Value?.AsObject(), document, family, depth + 1)))),
            "array" => new JsonArray(Instance(schema["items"]?.AsObject(), document, family, depth + 1)),
            "integer" => JsonValue.Create(5),
            "number" => JsonValue.Create(0.5),
            "boolean" => JsonValue.Create(true),
            "string" when (string?)schema["format"] == "date-time" => JsonValue.Create(DateTime.UtcNow.ToString("O")),
            "string" => JsonValue.Create(family + "-v2"),
            _ => null,
        };
    }

    private static JsonObject? Resolve(JsonObject? node, JsonObject document)
    {
        for (var hops = 0; node?["$ref"] is JsonValue reference && hops < 10; hops++)
        {
            var path = ((string)reference!).TrimStart('#', '/').Split('/');
            node = path.Aggregate<string, JsonNode?>(document, (n, part) => n?[part])?.AsObject();
        }

        return node;
    }

    private static string Clip(string text, int max = 300) => text.Length <= max ? text : text[..max] + "…";
}
