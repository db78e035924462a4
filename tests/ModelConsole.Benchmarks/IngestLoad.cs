using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data;
using ModelConsole.Data.Stores;

namespace ModelConsole.Benchmarks;

/// <summary>
/// The telemetry ingest load: batches of 1,000 events posted over loopback by a few concurrent senders for a fixed
/// time, and, as the baseline, the same rows inserted into a fresh console database with the console's own prepared
/// statement (no HTTP, no JSON, no rollups). Batches are one JSON template whose request ids are patched in place,
/// so the client spends almost nothing per batch and every event is new.
/// </summary>
public static class IngestLoad
{
    public const int BatchSize = 1000;
    private const int IdDigits = 10;
    private const string IdMarker = "##########";

    /// <summary>
    /// ingest URL KEY BUNDLE SECONDS SENDERS: prints "events/s p99" and fails on any answer but 202 with every event
    /// accepted. With <paramref name="otlp"/> (ingest-otlp, URL the console's /v1/traces) the same events go as OTLP
    /// protobuf spans of GenAI calls, and any answer but 200 with nothing rejected fails.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, bool otlp = false)
    {
        if (args.Length < 5 || !int.TryParse(args[3], CultureInfo.InvariantCulture, out var seconds) || !int.TryParse(args[4], CultureInfo.InvariantCulture, out var senders)
            || seconds is < 1 or > 600 || senders is < 1 or > 64)
        {
            Console.Error.WriteLine("usage: ingest URL KEY BUNDLE SECONDS(1-600) SENDERS(1-64)");
            return 2;
        }

        var url = new Uri(args[0]);
        if (!url.IsLoopback)
        {
            Console.Error.WriteLine("ingest only targets loopback addresses");
            return 2;
        }

        var (template, offsets) = otlp ? OtlpTemplate(args[2], DateTime.UtcNow) : Template(args[2], DateTime.UtcNow);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = senders };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", args[1]);
        long nextBatch = Random.Shared.NextInt64(1, 1_000_000) * 10_000;
        var latencies = new List<double>[senders];
        long events = 0;
        var failure = (string?)null;
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, senders).Select(async s =>
        {
            var body = (byte[])template.Clone();
            latencies[s] = [];
            while (clock.Elapsed < until && failure is null)
            {
                var batch = Interlocked.Increment(ref nextBatch);
                var id = batch.ToString("D" + IdDigits, CultureInfo.InvariantCulture);
                foreach (var offset in offsets)
                {
                    if (otlp)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(body.AsSpan(offset, 8), batch);
                    }
                    else
                    {
                        Encoding.ASCII.GetBytes(id, body.AsSpan(offset, IdDigits));
                    }
                }

                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new(otlp ? "application/x-protobuf" : "application/json");
                var sent = clock.Elapsed.TotalMilliseconds;
                using var response = await client.PostAsync(url, content);
                var answer = await response.Content.ReadAsStringAsync();
                latencies[s].Add(clock.Elapsed.TotalMilliseconds - sent);
                if (otlp ? (int)response.StatusCode != 200 || answer.Length > 0
                    : (int)response.StatusCode != 202 || !answer.Contains($"\"accepted\":{BatchSize},", StringComparison.Ordinal))
                {
                    failure = $"{(int)response.StatusCode}: {answer[..Math.Min(300, answer.Length)]}";
                    return;
                }

                Interlocked.Add(ref events, BatchSize);
            }
        }));
        var elapsed = clock.Elapsed.TotalSeconds;
        if (failure is not null)
        {
            Console.Error.WriteLine("a batch was not fully accepted: " + failure);
            return 1;
        }

        var all = latencies.SelectMany(l => l).Order().ToList();
        var p99 = all[Math.Max(0, (int)Math.Ceiling(0.99 * all.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{events / elapsed:F0} {p99:F1} {events} {all.Count}"));
        return 0;
    }

    /// <summary>bare-insert DB_FILE ROWS: prints rows/s for the console's prepared insert into a fresh, migrated SQLite file.</summary>
    public static async Task<int> BareInsertAsync(string[] args)
    {
        if (args.Length < 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out var rows) || rows is < BatchSize or > 50_000_000)
        {
            Console.Error.WriteLine("usage: bare-insert DB_FILE ROWS(>=1000)");
            return 2;
        }

        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = args[0] }.ConnectionString);
        var services = new ServiceCollection().AddModelConsoleData(settings).BuildServiceProvider();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        var bundle = new TelemetryBundle(1, 1, "bare", null);
        var now = DateTime.UtcNow;
        var events = Events(rows, bundle, now);

        await using var db = await services.GetRequiredService<IDbContextFactory<ModelConsoleDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < rows; start += BatchSize)
        {
            // Same shape as ingest: one transaction per batch of 1,000, committed (WAL, synchronous=NORMAL).
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = TelemetryStore.PrepareSqliteInsert(connection, transaction);
            for (var i = start; i < Math.Min(rows, start + BatchSize); i++)
            {
                TelemetryStore.Bind(insert, events[i], now);
                insert.ExecuteNonQuery();
            }

            await transaction.CommitAsync();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows / clock.Elapsed.TotalSeconds:F0}"));
        return 0;
    }

    private static List<AcceptedEvent> Events(int rows, TelemetryBundle bundle, DateTime now)
    {
        var list = new List<AcceptedEvent>(rows);
        for (var i = 0; i < rows; i++)
        {
            var e = Event(i % BatchSize);
            e.RequestId = "bare-" + (i / BatchSize).ToString("D" + IdDigits, CultureInfo.InvariantCulture) + "-" + (i % BatchSize).ToString("D4", CultureInfo.InvariantCulture);
            e.Bundle = bundle.Name;
            e.Timestamp = now;
            list.Add(new AcceptedEvent(i, e, bundle, now, e.CostUsd));
        }

        return list;
    }

    /// <summary>The i-th event of a batch: varied latencies, tokens and scores, the way gateways report them.</summary>
    private static TelemetryEvent Event(int i) => new()
    {
        LatencyMs = 200 + (i * 37 % 3000),
        InputTokens = 500 + i % 700,
        CachedInputTokens = i % 3 == 0 ? 100 : 0,
        OutputTokens = 100 + i % 400,
        CostUsd = 0.001 + (i % 50) / 10_000.0,
        Success = i % 50 != 0,
        ErrorType = i % 50 == 0 ? "timeout" : null,
        QualityScore = i % 2 == 0 ? (i % 100) / 100.0 : null,
        Subject = "user-" + (i % 97),
        Provider = "openai",
    };

    private static (byte[] Template, int[] Offsets) Template(string bundle, DateTime timestamp)
    {
        var json = new StringBuilder("{\"events\":[");
        for (var i = 0; i < BatchSize; i++)
        {
            var e = Event(i);
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"requestId\":\"b{IdMarker}-{i:D4}\",\"bundle\":\"{bundle}\",\"timestamp\":\"{timestamp:O}\",\"latencyMs\":{e.LatencyMs},\"inputTokens\":{e.InputTokens},\"cachedInputTokens\":{e.CachedInputTokens},\"outputTokens\":{e.OutputTokens},\"costUsd\":{e.CostUsd},\"success\":{(e.Success == true ? "true" : "false")},");
            json.Append(e.ErrorType is null ? "" : $"\"errorType\":\"{e.ErrorType}\",");
            json.Append(e.QualityScore is null ? "" : string.Create(CultureInfo.InvariantCulture, $"\"qualityScore\":{e.QualityScore},"));
            json.Append(CultureInfo.InvariantCulture, $"\"subject\":\"{e.Subject}\",\"provider\":\"openai\"}}");
        }

        var bytes = Encoding.UTF8.GetBytes(json.Append("]}").ToString());
        var marker = Encoding.ASCII.GetBytes(IdMarker);
        var offsets = new List<int>();
        for (var at = bytes.AsSpan().IndexOf(marker); at >= 0;)
        {
            offsets.Add(at);
            var next = bytes.AsSpan(at + IdDigits).IndexOf(marker);
            at = next < 0 ? -1 : at + IdDigits + next;
        }

        return (bytes, offsets.ToArray());
    }

    /// <summary>
    /// The same 1,000 events as OTLP protobuf: one resource (the bundle) with 1,000 GenAI chat spans, written with
    /// Google's protobuf encoder. The offsets point at each span's trace id, whose first 8 bytes carry the batch number.
    /// </summary>
    private static (byte[] Template, int[] Offsets) OtlpTemplate(string bundle, DateTime timestamp)
    {
        static Google.Protobuf.ByteString Message(Action<Google.Protobuf.CodedOutputStream> write)
        {
            using var stream = new MemoryStream();
            var output = new Google.Protobuf.CodedOutputStream(stream);
            write(output);
            output.Flush();
            return Google.Protobuf.ByteString.CopyFrom(stream.ToArray());
        }

        static Google.Protobuf.ByteString Attribute(string key, object value) => Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteString(key);
            o.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Message(v =>
            {
                switch (value)
                {
                    case string text:
                        v.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                        v.WriteString(text);
                        break;
                    case long number:
                        v.WriteTag(3, Google.Protobuf.WireFormat.WireType.Varint);
                        v.WriteInt64(number);
                        break;
                    case double real:
                        v.WriteTag(4, Google.Protobuf.WireFormat.WireType.Fixed64);
                        v.WriteDouble(real);
                        break;
                }
            }));
        });

        var start = (ulong)(timestamp - DateTime.UnixEpoch).Ticks * 100;
        var spans = new List<Google.Protobuf.ByteString>();
        for (var i = 0; i < BatchSize; i++)
        {
            var e = Event(i);
            var index = i;
            spans.Add(Message(o =>
            {
                var trace = new byte[16];
                System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(trace.AsSpan(8), index + 1);
                o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                o.WriteBytes(Google.Protobuf.ByteString.CopyFrom(trace));
                o.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                o.WriteBytes(Google.Protobuf.ByteString.CopyFrom(BitConverter.GetBytes((long)index + 1)));
                o.WriteTag(5, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                o.WriteString("chat gpt-4o");
                o.WriteTag(7, Google.Protobuf.WireFormat.WireType.Fixed64);
                o.WriteFixed64(start);
                o.WriteTag(8, Google.Protobuf.WireFormat.WireType.Fixed64);
                o.WriteFixed64(start + (ulong)(e.LatencyMs!.Value * 1e6));
                var attributes = new List<(string, object)>
                {
                    ("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o"),
                    ("gen_ai.usage.input_tokens", e.InputTokens!.Value), ("gen_ai.usage.output_tokens", e.OutputTokens!.Value),
                    ("gen_ai.usage.cache_read.input_tokens", e.CachedInputTokens!.Value), ("modelconsole.subject", e.Subject!),
                };
                if (e.ErrorType is { } error)
                {
                    attributes.Add(("error.type", error));
                }

                foreach (var (key, value) in attributes)
                {
                    o.WriteTag(9, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                    o.WriteBytes(Attribute(key, value));
                }

                if (e.QualityScore is { } score)
                {
                    o.WriteTag(11, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                    o.WriteBytes(Message(ev =>
                    {
                        ev.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                        ev.WriteString("gen_ai.evaluation.result");
                        ev.WriteTag(3, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                        ev.WriteBytes(Attribute("gen_ai.evaluation.score.value", score));
                    }));
                }
            }));
        }

        var scope = Message(o =>
        {
            foreach (var span in spans)
            {
                o.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                o.WriteBytes(span);
            }
        });
        var resource = Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Attribute("modelconsole.bundle", bundle));
        });
        var request = Message(o =>
        {
            o.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
            o.WriteBytes(Message(r =>
            {
                r.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                r.WriteBytes(resource);
                r.WriteTag(2, Google.Protobuf.WireFormat.WireType.LengthDelimited);
                r.WriteBytes(scope);
            }));
        }).ToByteArray();

        // Each trace id is 16 bytes ending in its span's index: find them to patch their first 8 bytes per batch.
        var offsets = new List<int>();
        for (var i = 0; i < BatchSize; i++)
        {
            var trace = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(trace.AsSpan(8), i + 1);
            var at = request.AsSpan().IndexOf(trace);
            offsets.Add(at);
        }

        return (request, offsets.ToArray());
    }
}
