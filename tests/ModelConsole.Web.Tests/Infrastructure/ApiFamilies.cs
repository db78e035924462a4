using System.Net;
using System.Net.Http.Json;

namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>Families and telemetry made through the API, as a gateway or release manager would.</summary>
public static class ApiFamilies
{
    public static async Task PostOkAsync(this HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.PostAsJsonAsync(url, body);
        Assert.True(response.StatusCode == expected, $"{url}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// <paramref name="count"/> calls of <paramref name="bundle"/> five seconds ago (500 ms, $0.001), the first
    /// <paramref name="errorRate"/> share of them failed; request ids <c>{prefix}-{i}</c>.
    /// </summary>
    public static IEnumerable<object> Calls(string bundle, int count, double errorRate, string prefix) =>
        Enumerable.Range(0, count).Select(i => new
        {
            requestId = $"{prefix}-{i}", bundle, timestamp = DateTime.UtcNow.AddSeconds(-5), latencyMs = 500, inputTokens = 10, outputTokens = 5,
            costUsd = 0.001, success = i >= count * errorRate,
        });

    /// <summary>The calls of <paramref name="bundle"/> counted in its metrics over the last ten minutes.</summary>
    public static async Task<long> RecentRequestsAsync(this HttpClient client, string bundle)
    {
        var metrics = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/bundles/{bundle}/metrics?from={DateTime.UtcNow.AddMinutes(-10):O}&to={DateTime.UtcNow.AddMinutes(1):O}");
        return metrics.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("requests").GetInt64());
    }

    /// <summary>A new family "{prefix}-xxxxxxxx" with v1 ACTIVE and v2 CANARY at <paramref name="canaryPercent"/> % (the gates overridden).</summary>
    public static async Task<string> CanaryFamilyAsync(this HttpClient client, string prefix, double canaryPercent = 5)
    {
        var family = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await client.PostOkAsync("/api/v1/families", new { name = family }, HttpStatusCode.Created);
        await client.PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "m1", prompt = "p", config = new { } }, HttpStatusCode.Created);
        await client.PostOkAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "openai", modelId = "m2", prompt = "p", config = new { }, parent = family + "-v1" }, HttpStatusCode.Created);
        await client.PostOkAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });
        await client.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        await client.PostOkAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "CANARY", percent = canaryPercent, reason = "test", @override = true });
        return family;
    }
}
