using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Api;

/// <summary>An outside client on /hubs/alerts hears stage changes and rollbacks as API.md names them.</summary>
public class LiveEventsHubTests(SqliteConsoleFixture fixture) : IClassFixture<SqliteConsoleFixture>
{
    [Fact]
    public async Task HubClient_WithAKey_ReceivesStageChangedAndRollbackCompleted()
    {
        var client = fixture.Factory.CreateKeyClient();
        var family = "hub-" + Guid.NewGuid().ToString("N")[..8];
        await client.PostAsJsonAsync("/api/v1/families", new { name = family });
        await client.PostAsJsonAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "p", modelId = "m1", prompt = "x", config = new { } });
        await client.PostAsJsonAsync("/api/v1/bundles", new { name = family + "-v2", family, provider = "p", modelId = "m2", prompt = "x", config = new { }, parent = family + "-v1" });
        await client.PostAsJsonAsync($"/api/v1/bundles/{family}-v1/transitions", new { to = "ACTIVE" });

        var stageChanged = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rollback = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = fixture.Factory.CreateHubConnection();
        hub.On<JsonElement>("stageChanged", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                stageChanged.TrySetResult(e);
            }
        });
        hub.On<JsonElement>("rollbackCompleted", e =>
        {
            if (e.GetProperty("family").GetString() == family)
            {
                rollback.TrySetResult(e);
            }
        });
        await hub.StartAsync();

        await client.PostAsJsonAsync($"/api/v1/bundles/{family}-v2/transitions", new { to = "SHADOW", mirrorPercent = 10 });
        var changed = await stageChanged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(family + "-v2", changed.GetProperty("bundle").GetString());
        Assert.Equal("SHADOW", changed.GetProperty("to").GetString());
        Assert.Equal("key:bootstrap", changed.GetProperty("actor").GetString());

        await client.PostAsJsonAsync($"/api/v1/families/{family}/rollback", new { reason = "test" });
        var rolledBack = await rollback.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(family + "-v2", rolledBack.GetProperty("rolledBack").GetString());
    }

    [Fact]
    public async Task HubClient_WithoutCredentials_IsRefused()
    {
        await using var hub = fixture.Factory.CreateHubConnection(key: null);

        var ex = await Assert.ThrowsAnyAsync<HttpRequestException>(() => hub.StartAsync());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, ex.StatusCode);
    }
}
