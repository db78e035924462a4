using System.Diagnostics;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Demo;

/// <summary>
/// What a newcomer reads when `./build.sh run` starts on a new database: the address, where to sign in and find the
/// demo accounts, and the database file — and no line that reads like an error (EF's SQLite table rebuilds,
/// the probe of a missing migrations table, Quartz's chatter).
/// </summary>
public class FirstStartTests
{
    [Fact]
    public async Task ANewDemoDatabase_StartsWithTheAddressSignInAndDatabase_AndNothingThatReadsLikeAnError()
    {
        await using var database = TestDatabase.CreateSqlite();
        await using var console = new ConsoleProcess(database, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Demo__Enabled"] = "true",
            ["Demo__BackfillMinutes"] = "5",
            ["Logging__LogLevel__Default"] = "Information",
        });

        await console.StartAsync();
        var waited = Stopwatch.StartNew();
        while (!console.Output.Contains("ModelConsole is ready at", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        var output = console.Output;
        var address = $"http://127.0.0.1:{console.Port}";
        Assert.Contains($"ModelConsole is ready at {address}: sign in at {address}/sign-in (the demo accounts and their passwords are listed on that page)", output);
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        Assert.Contains($"Database: SQLite file {Path.GetFullPath(file)}", output);
        Assert.Contains("Seeded an empty database with demo data", output);
        var alarming = output.Split('\n').Where(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("warn:", StringComparison.Ordinal)).ToList();
        Assert.True(alarming.Count == 0, "lines that read like errors:\n" + string.Join("\n", alarming) + "\n---\n" + output);
        Assert.DoesNotContain("Quartz.Core", output);
    }
}
