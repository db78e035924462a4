using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

public class StartupTests
{
    [Theory]
    [InlineData("Pipeline:AutoRollbackActiveMinutes", "0")]
    [InlineData("Evaluation:IntervalSeconds", "-5")]
    [InlineData("RateLimit:PerKeyPerSecond", "0")]
    [InlineData("Telemetry:MaxClockSkewMinutes", "99999")]
    [InlineData("Alerts:WebhookUrl", "ftp://hooks.example/alerts")]
    [InlineData("Auth:BootstrapApiKey", "short")]
    [InlineData("Evaluation:IntervalSeconds", "often")]
    [InlineData("Database:Provider", "Oracle")]
    [InlineData("Auth:OpenIdConnect:Authority", "not a url")]
    [InlineData("Auth:BootstrapAdmin:UserName", "root")]
    public async Task InvalidConfiguration_StopsStart_WithAMessageNamingTheKey(string key, string value)
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var factory = new ConsoleFactory(database, new Dictionary<string, string?> { [key] = value });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        var messages = string.Join(" | ", Flatten(ex).Select(e => e.Message));
        Assert.Contains(key, messages);
    }

    [Fact]
    public async Task DemoMode_SeedsAnEmptyDatabaseOnce_AndMarksItAsDemo()
    {
        await using var database = TestDatabase.CreateSqlite();
        var demo = new Dictionary<string, string?> { ["Demo:Enabled"] = "true" };

        int familyCount;
        await using (var first = new ConsoleFactory(database, demo))
        {
            var client = first.CreateKeyClient();
            var families = await client.GetFromJsonAsync<JsonArray>("/api/v1/families");
            familyCount = families!.Count;
            Assert.InRange(familyCount, 3, 4);
            var support = families.Single(f => f!["name"]!.GetValue<string>() == "support-agent")!;
            Assert.Equal("support-agent-v10", support["active"]!.GetValue<string>());
            Assert.Equal(5, support["canary"]!["percent"]!.GetValue<double>());
            var detail = await client.GetFromJsonAsync<JsonObject>("/api/v1/bundles/support-agent-v11");
            Assert.Contains(detail!["transitions"]!.AsArray(), t => t!["action"]!.GetValue<string>() == "transition" && t["to"]!.GetValue<string>() == "CANARY" && t["actor"]!.GetValue<string>() == "demo-seed");
            var v9 = await client.GetFromJsonAsync<JsonObject>("/api/v1/bundles/support-agent-v9");
            Assert.Equal("DEPRECATED", v9!["stage"]!.GetValue<string>());
            var route = await client.GetFromJsonAsync<JsonObject>("/api/v1/families/support-agent/route?subject=user-42");
            Assert.Equal("support-agent-v10", route!["bundle"]!.GetValue<string>()); // bucket 4048 is outside a 5 % canary
            var multi = await client.GetFromJsonAsync<JsonObject>("/api/v1/bundles/sql-copilot-v2");
            Assert.True(multi!["multiVariable"]!.GetValue<bool>());
            Assert.False(string.IsNullOrWhiteSpace(multi["justification"]!.GetValue<string>()));
        }

        await using var second = new ConsoleFactory(database, demo);
        var again = await second.CreateKeyClient().GetFromJsonAsync<JsonArray>("/api/v1/families");
        Assert.Equal(familyCount, again!.Count);
        var bundles = await second.CreateKeyClient().GetFromJsonAsync<JsonArray>("/api/v1/bundles?family=support-agent");
        Assert.Equal(4, bundles!.Count);
    }

    private static IEnumerable<Exception> Flatten(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException agg)
            {
                foreach (var inner in agg.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
