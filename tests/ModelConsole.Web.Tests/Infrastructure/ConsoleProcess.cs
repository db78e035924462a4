using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ModelConsole.Web.Tests.Infrastructure;

/// <summary>
/// The console as its own process (the built app, Production settings) on a loopback port over a test database, so a
/// test can kill it with SIGKILL and start it again on the same data.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    public const string Key = "process-bootstrap-key-0123456789abcdef";

    private readonly TestDatabase _database;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private Process? _process;

    public ConsoleProcess(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null)
    {
        _database = database;
        _settings = settings ?? new Dictionary<string, string>();
        Port = FreePort();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", Key);
    }

    public int Port { get; }

    /// <summary>A client with the bootstrap key (every scope).</summary>
    public HttpClient Client { get; }

    /// <summary>The console's output so far, for a failing test's message.</summary>
    public string Output => _output.ToString();

    private readonly System.Text.StringBuilder _output = new();

    /// <summary>Starts the console and waits until <c>/readyz</c> says it is ready (migrated, mended, serving).</summary>
    public async Task StartAsync()
    {
        var web = Path.Combine(Repository.Root, "src", "ModelConsole.Web");
        var dll = Path.Combine(web, "bin", Repository.Configuration, "net10.0", "ModelConsole.Web.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = web, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{Port}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Demo__Enabled"] = "false";
        start.Environment["Auth__BootstrapApiKey"] = Key;
        start.Environment["Database__Provider"] = _database.Provider.ToString();
        start.Environment["ConnectionStrings__ModelConsole"] = _database.ConnectionString;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in _settings)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            Assert.False(_process.HasExited, $"the console exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Output}");
            try
            {
                if ((await probe.GetAsync($"http://127.0.0.1:{Port}/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        _process.Kill();
        throw new TimeoutException("the console did not become ready within 90 s: " + Output);
    }

    /// <summary>SIGKILL: no shutdown, no flush.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Client.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                if (_output.Length < 200_000)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
