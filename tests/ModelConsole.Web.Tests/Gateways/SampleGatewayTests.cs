using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelConsole.Web.Tests.Infrastructure;

namespace ModelConsole.Web.Tests.Gateways;

/// <summary>
/// The sample gateway of README "Connect a gateway", as its own process beside the console: it serves chat through
/// bundles (its own fake OpenAI endpoint as the provider), reports every call, follows a rollback within a second,
/// and refuses to start on a console address that is not absolute.
/// </summary>
public class SampleGatewayTests(ClientConsoleFixture fixture) : IClassFixture<ClientConsoleFixture>
{
    private static string SampleDll => Path.Combine(Repository.Root, "samples", "ModelConsole.SampleGateway", "bin", Repository.Configuration, "net10.0", "ModelConsole.SampleGateway.dll");

    private static Process Start(int port, IReadOnlyDictionary<string, string> settings, System.Text.StringBuilder output)
    {
        Assert.True(File.Exists(SampleDll), $"{SampleDll} is missing: build the solution first");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(SampleDll)! };
        start.ArgumentList.Add(SampleDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["Provider__Endpoint"] = $"http://127.0.0.1:{port}/fake-openai/v1";
        start.Environment["FakeProvider__Enabled"] = "true";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    [Fact]
    public async Task TheSample_ServesThroughBundles_ReportsEveryCall_AndFollowsARollback()
    {
        var family = await fixture.Api.CanaryFamilyAsync("sample", canaryPercent: 25);
        var port = ConsoleProcess.FreePort();
        var output = new System.Text.StringBuilder();
        using var sample = Start(port, new Dictionary<string, string>
        {
            ["ModelConsole__ConsoleUrl"] = fixture.Url.ToString(),
            ["ModelConsole__ApiKey"] = ConsoleProcess.Key,
            ["ModelConsole__Family"] = family,
        }, output);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await WaitUpAsync(http, sample, output);

            var served = new Dictionary<string, string>();
            for (var i = 0; i < 40; i++)
            {
                using var response = await http.PostAsJsonAsync("/chat", new { subject = $"user-{i}", message = "hello" });
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
                var route = await fixture.Api.GetFromJsonAsync<JsonElement>($"/api/v1/families/{family}/route?subject=user-{i}");
                Assert.Equal(route.GetProperty("bundle").GetString(), answer.GetProperty("bundle").GetString());
                Assert.StartsWith(answer.GetProperty("bundle").GetString() == family + "-v2" ? "[m2]" : "[m1]", answer.GetProperty("text").GetString(), StringComparison.Ordinal);
                served[$"user-{i}"] = answer.GetProperty("bundle").GetString()!;
            }

            Assert.Contains(family + "-v2", served.Values);
            using var bad = await http.PostAsJsonAsync("/chat", new { subject = "", message = "hello" });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

            // Every call reported (the sample's queue flushes within a second).
            var clock = Stopwatch.StartNew();
            long reported = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(10) && (reported = await RequestsAsync(family)) < 40)
            {
                await Task.Delay(100);
            }

            Assert.Equal(40, reported);

            // A rollback: within a second the next calls of the canary's subjects go to the active bundle.
            var canarySubject = served.First(s => s.Value == family + "-v2").Key;
            await fixture.Api.PostOkAsync($"/api/v1/families/{family}/rollback", new { reason = "sample test" });
            var rolledBack = Stopwatch.StartNew();
            string? bundle;
            do
            {
                using var response = await http.PostAsJsonAsync("/chat", new { subject = canarySubject, message = "again" });
                bundle = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bundle").GetString();
            }
            while (bundle != family + "-v1" && rolledBack.Elapsed < TimeSpan.FromSeconds(5));

            Assert.Equal(family + "-v1", bundle);
            Assert.True(rolledBack.Elapsed < TimeSpan.FromSeconds(1), $"the sample followed the rollback after {rolledBack.ElapsedMilliseconds} ms");
        }
        finally
        {
            sample.Kill();
            await sample.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task ARelativeConsoleUrl_StopsTheSampleAtStart_WithTheReason()
    {
        var output = new System.Text.StringBuilder();
        using var sample = Start(ConsoleProcess.FreePort(), new Dictionary<string, string>
        {
            ["ModelConsole__ConsoleUrl"] = "console.example.com",
            ["ModelConsole__ApiKey"] = "",
        }, output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await sample.WaitForExitAsync(timeout.Token);
        Assert.NotEqual(0, sample.ExitCode);
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.Contains("ModelConsole:ConsoleUrl is required", text, StringComparison.Ordinal);
        Assert.Contains("ModelConsole:ApiKey is required", text, StringComparison.Ordinal);
    }

    private static async Task WaitUpAsync(HttpClient http, Process sample, System.Text.StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(sample.HasExited, "the sample exited: " + output);
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        Assert.Fail("the sample did not start: " + output);
    }

    private async Task<long> RequestsAsync(string family) =>
        await fixture.Api.RecentRequestsAsync(family + "-v1") + await fixture.Api.RecentRequestsAsync(family + "-v2");
}
