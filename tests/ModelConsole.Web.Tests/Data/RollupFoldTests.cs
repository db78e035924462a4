using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Data;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Data;

/// <summary>
/// Minute rollups older than Telemetry:MinuteRollupDays fold into hourly rows and hourly rows older than
/// Telemetry:HourlyRollupDays go, on both providers: every sum and histogram of an hour is what its minutes added up
/// to (a brute-force fold of random minutes), and a read over five years stays a bounded number of rows.
/// </summary>
public sealed class RollupFoldTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task OldMinutes_FoldIntoHours_ExactlyAndBounded(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var factory = new ConsoleFactory(database);
        var api = factory.CreateKeyClient();
        var family = "fold-" + provider.ToString().ToLowerInvariant();
        await api.PostOkAsync("/api/v1/families", new { name = family }, System.Net.HttpStatusCode.Created);
        await api.PostOkAsync("/api/v1/bundles", new { name = family + "-v1", family, provider = "openai", modelId = "gpt-4o", prompt = "p", config = new { } },
            System.Net.HttpStatusCode.Created);
        var contexts = factory.Services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>();
        int bundleId;
        var now = DateTime.UtcNow;
        var oldStart = new DateTime(now.Year, now.Month, now.Day, 0, 0, 0, DateTimeKind.Utc).AddDays(-60);
        var random = new Random(7);
        var minutes = new List<RollupEntity>();
        var latency = new List<RollupLatencyEntity>();
        var errors = new List<RollupErrorEntity>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            bundleId = (await db.Bundles.SingleAsync(b => b.Name == family + "-v1")).Id;
            void Minute(DateTime at)
            {
                var requests = random.Next(1, 50);
                minutes.Add(new RollupEntity
                {
                    BundleId = bundleId, Minute = at, Requests = requests, Errors = random.Next(0, requests), LatencySumMs = random.NextDouble() * 1e4,
                    QualityCount = random.Next(0, 5), QualitySum = random.NextDouble() * 4, CostCount = requests, CostSum = random.NextDouble(),
                    OutputTokens = random.Next(0, 10_000), NegativeFeedback = random.Next(0, 3), NewestReceivedAt = at.AddSeconds(random.Next(0, 59)),
                });
                latency.Add(new RollupLatencyEntity { BundleId = bundleId, Minute = at, Bucket = random.Next(0, 4), Count = random.Next(1, 9) });
                errors.Add(new RollupErrorEntity { BundleId = bundleId, Minute = at, ErrorType = random.Next(2) == 0 ? "timeout" : "rate_limit", Count = random.Next(1, 4) });
            }

            for (var m = 0; m < 2 * 1440 + 37; m++)
            {
                Minute(oldStart.AddMinutes(m)); // two days and a bit, 60 days back
            }

            for (var m = 0; m < 90; m++)
            {
                Minute(now.AddDays(-500).Date.AddMinutes(m)); // past every retention
                Minute(now.AddDays(-1).Date.AddMinutes(m * 3)); // recent: stays as it is
            }

            db.Rollups.AddRange(minutes);
            db.RollupLatency.AddRange(latency);
            db.RollupErrors.AddRange(errors);
            await db.SaveChangesAsync();
        }

        var store = factory.Services.GetRequiredService<TelemetryStore>();
        var (folded, deleted) = await store.FoldRollupsAsync(now.AddDays(-30), now.AddDays(-400), CancellationToken.None);
        Assert.True(folded > 0);
        Assert.Equal(90 * 3, deleted); // the 500-day-old minutes of all three tables

        static DateTime Hour(DateTime at) => new(at.Year, at.Month, at.Day, at.Hour, 0, 0, DateTimeKind.Utc);
        var old = minutes.Where(r => r.Minute >= oldStart && r.Minute < oldStart.AddDays(3)).ToList();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var rows = await db.Rollups.AsNoTracking().Where(r => r.Minute < now.AddDays(-30)).ToListAsync();
            var expected = old.GroupBy(r => Hour(r.Minute)).ToDictionary(g => g.Key);
            Assert.Equal(expected.Count, rows.Count); // one row per hour: 49 hours of 2,917 minutes
            foreach (var row in rows)
            {
                var hour = expected[row.Minute];
                Assert.Equal(hour.Sum(r => r.Requests), row.Requests);
                Assert.Equal(hour.Sum(r => r.Errors), row.Errors);
                Assert.Equal(hour.Sum(r => r.QualityCount), row.QualityCount);
                Assert.Equal(hour.Sum(r => r.OutputTokens), row.OutputTokens);
                Assert.Equal(hour.Sum(r => r.NegativeFeedback), row.NegativeFeedback);
                Assert.Equal(hour.Sum(r => r.LatencySumMs), row.LatencySumMs, 6);
                Assert.Equal(hour.Sum(r => r.CostSum), row.CostSum, 9);
                Assert.Equal(hour.Max(r => r.NewestReceivedAt), row.NewestReceivedAt);
            }

            var latencyRows = await db.RollupLatency.AsNoTracking().Where(r => r.Minute < now.AddDays(-30)).ToListAsync();
            var expectedLatency = latency.Where(r => r.Minute >= oldStart && r.Minute < oldStart.AddDays(3))
                .GroupBy(r => (Hour(r.Minute), r.Bucket)).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
            Assert.Equal(expectedLatency, latencyRows.ToDictionary(r => (r.Minute, r.Bucket), r => r.Count));
            var errorRows = await db.RollupErrors.AsNoTracking().Where(r => r.Minute < now.AddDays(-30)).ToListAsync();
            var expectedErrors = errors.Where(r => r.Minute >= oldStart && r.Minute < oldStart.AddDays(3))
                .GroupBy(r => (Hour(r.Minute), r.ErrorType)).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
            Assert.Equal(expectedErrors, errorRows.ToDictionary(r => (r.Minute, r.ErrorType), r => r.Count));
            Assert.Equal(90, await db.Rollups.CountAsync(r => r.Minute >= now.AddDays(-2))); // recent minutes untouched
        }

        // Again: nothing left to fold, nothing changes.
        Assert.Equal((0, 0), await store.FoldRollupsAsync(now.AddDays(-30), now.AddDays(-400), CancellationToken.None));

        // Five years at a day per step: at most one row per day comes back, and the totals are every minute's.
        var from = Uri.EscapeDataString(now.AddYears(-5).AddDays(1).ToString("O"));
        var answer = await api.GetFromJsonAsync<JsonObject>($"/api/v1/bundles/{family}-v1/metrics?from={from}&step=1440");
        var points = answer!["points"]!.AsArray();
        Assert.InRange(points.Count, 1, 5 * 366);
        var kept = minutes.Where(r => r.Minute >= now.AddDays(-400)).Sum(r => r.Requests);
        Assert.Equal(kept, points.Sum(p => p!["requests"]!.GetValue<long>()));
    }
}
