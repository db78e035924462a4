using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;
using Npgsql;

namespace ModelConsole.Data.Stores;

/// <summary>A family's served traffic in one minute.</summary>
public sealed record FamilyMinute(string Family, DateTime Minute, long Requests, long Errors);

/// <summary>What one batch wrote: how many events were new, how many had been stored before, and what they touched.</summary>
/// <summary>
/// One bundle's calls folded for an experiment's metric. Per subject (calls that name one): each subject's Y (the
/// metric's sum) and X (its measured calls), then over subjects their count and ΣY, ΣX, ΣY², ΣX², ΣXY;
/// <see cref="WithoutSubject"/> counts calls that named none. Per request (every call): <see cref="Requests"/>,
/// <see cref="Measured"/> calls with the metric, its sum and sum of squares.
/// </summary>
public sealed record SubjectFold(
    int BundleId, long Subjects, long SubjectRequests, double SumY, double SumX, double SumYY, double SumXX, double SumXY, long WithoutSubject,
    long Requests, long Measured, double Sum, double SumSquares);

public sealed record TelemetryWrite(int Accepted, int Duplicates, IReadOnlyList<int> FamilyIds, IReadOnlyList<int> BundleIds);

/// <summary>
/// The telemetry hot path. Raw events go in with prepared statements (SQLite) or one array insert (PostgreSQL),
/// skipping duplicates by (request id, bundle); only the new ones are folded into the minute rollups, whose rows are
/// pure sums so concurrent batches merge with additive upserts; shadow calls are paired with their primaries. All
/// of it is one transaction, so an acknowledged batch is a committed batch.
/// </summary>
public sealed class TelemetryStore(IDbContextFactory<ModelConsoleDbContext> factory, DatabaseSettings settings) : IDisposable
{
    private const int PruneChunk = 5000;

    // SQLite has one writer: queueing here is cheaper than its busy-wait, and readers are never blocked (WAL).
    private readonly SemaphoreSlim _sqliteWriter = new(1, 1);

    private bool IsSqlite => settings.Provider == DatabaseProvider.Sqlite;

    public void Dispose() => _sqliteWriter.Dispose();

    /// <summary>What ingest needs of a bundle (ids and prices), or null when no bundle has that name.</summary>
    public async Task<TelemetryBundle?> FindBundleAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var b = await db.Bundles.AsNoTracking().Where(b => b.Name == name)
            .Select(b => new { b.Id, b.FamilyId, b.Name, b.PriceInputPerMillion, b.PriceOutputPerMillion, b.PriceCachedInputPerMillion })
            .SingleOrDefaultAsync(cancellationToken);
        return b is null ? null : new TelemetryBundle(b.Id, b.FamilyId, b.Name,
            b.PriceInputPerMillion is { } input && b.PriceOutputPerMillion is { } output ? new Pricing(input, output, b.PriceCachedInputPerMillion) : null);
    }

    public async Task<TelemetryWrite> WriteAsync(IReadOnlyList<AcceptedEvent> events, DateTime receivedAt, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return new TelemetryWrite(0, 0, [], []);
        }

        if (IsSqlite)
        {
            await _sqliteWriter.WaitAsync(cancellationToken);
        }

        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var connection = db.Database.GetDbConnection();
            var dbTransaction = transaction.GetDbTransaction();

            var inserted = IsSqlite
                ? await InsertSqliteAsync(connection, dbTransaction, events, receivedAt, cancellationToken)
                : await InsertPostgresAsync((NpgsqlConnection)connection, events, receivedAt, cancellationToken);
            var fresh = new List<AcceptedEvent>(events.Count);
            for (var i = 0; i < events.Count; i++)
            {
                if (inserted[i])
                {
                    fresh.Add(events[i]);
                }
            }

            await UpsertRollupsAsync(connection, dbTransaction, RollupFold.Fold(fresh), cancellationToken);
            var families = fresh.Select(e => e.Bundle.FamilyId).Distinct().ToList();
            await PairShadowsAsync(connection, dbTransaction, families, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new TelemetryWrite(fresh.Count, events.Count - fresh.Count, families, fresh.Select(e => e.Bundle.Id).Distinct().ToList());
        }
        finally
        {
            if (IsSqlite)
            {
                _sqliteWriter.Release();
            }
        }
    }

    private const string InsertColumns =
        "\"RequestId\", \"BundleId\", \"FamilyId\", \"Timestamp\", \"ReceivedAt\", \"LatencyMs\", \"InputTokens\", \"OutputTokens\", " +
        "\"CachedInputTokens\", \"CostUsd\", \"Success\", \"ErrorType\", \"QualityScore\", \"Feedback\", \"Subject\", \"OutputHash\", " +
        "\"Agreement\", \"ShadowOf\", \"Provider\", \"Simulated\"";

    /// <summary>The SQLite insert, public so the benchmark's bare-insert baseline writes exactly the same rows.</summary>
    public const string SqliteInsertSql =
        "INSERT INTO telemetry_events (" + InsertColumns + ") VALUES (@requestId, @bundleId, @familyId, @timestamp, @receivedAt, " +
        "@latencyMs, @inputTokens, @outputTokens, @cachedInputTokens, @costUsd, @success, @errorType, @qualityScore, @feedback, " +
        "@subject, @outputHash, @agreement, @shadowOf, @provider, @simulated) ON CONFLICT (\"RequestId\", \"BundleId\") DO NOTHING";

    private static readonly string[] InsertParameters =
    [
        "@requestId", "@bundleId", "@familyId", "@timestamp", "@receivedAt", "@latencyMs", "@inputTokens", "@outputTokens",
        "@cachedInputTokens", "@costUsd", "@success", "@errorType", "@qualityScore", "@feedback", "@subject", "@outputHash",
        "@agreement", "@shadowOf", "@provider", "@simulated",
    ];

    /// <summary>Creates the prepared SQLite insert (its parameters in <see cref="SqliteInsertSql"/>'s order).</summary>
    public static DbCommand PrepareSqliteInsert(DbConnection connection, DbTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = SqliteInsertSql;
        foreach (var name in InsertParameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        command.Prepare();
        return command;
    }

    /// <summary>Binds one event to the prepared insert.</summary>
    public static void Bind(DbCommand insert, in AcceptedEvent accepted, DateTime receivedAt)
    {
        var e = accepted.Event;
        var p = insert.Parameters;
        p[0].Value = e.RequestId;
        p[1].Value = accepted.Bundle.Id;
        p[2].Value = accepted.Bundle.FamilyId;
        p[3].Value = accepted.Timestamp;
        p[4].Value = receivedAt;
        p[5].Value = e.LatencyMs ?? 0;
        p[6].Value = e.InputTokens ?? 0;
        p[7].Value = e.OutputTokens ?? 0;
        p[8].Value = e.CachedInputTokens ?? 0;
        p[9].Value = (object?)accepted.CostUsd ?? DBNull.Value;
        p[10].Value = e.Success == true;
        p[11].Value = (object?)e.ErrorType ?? DBNull.Value;
        p[12].Value = (object?)e.QualityScore ?? DBNull.Value;
        p[13].Value = (short)e.Feedback;
        p[14].Value = (object?)e.Subject ?? DBNull.Value;
        p[15].Value = (object?)e.OutputHash ?? DBNull.Value;
        p[16].Value = (object?)e.Agreement ?? DBNull.Value;
        p[17].Value = (object?)e.ShadowOf ?? DBNull.Value;
        p[18].Value = (object?)e.Provider ?? DBNull.Value;
        p[19].Value = e.Simulated;
    }

    private static async Task<bool[]> InsertSqliteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<AcceptedEvent> events, DateTime receivedAt, CancellationToken cancellationToken)
    {
        await using var insert = PrepareSqliteInsert(connection, transaction);
        var inserted = new bool[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            Bind(insert, events[i], receivedAt);
            // SQLite runs in-process: the synchronous call avoids a task per row.
            inserted[i] = insert.ExecuteNonQuery() == 1;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return inserted;
    }

    private static async Task<bool[]> InsertPostgresAsync(NpgsqlConnection connection, IReadOnlyList<AcceptedEvent> events, DateTime receivedAt, CancellationToken cancellationToken)
    {
        var n = events.Count;
        var requestIds = new string[n];
        var bundleIds = new int[n];
        var familyIds = new int[n];
        var timestamps = new DateTime[n];
        var latencies = new double[n];
        var inputs = new long[n];
        var outputs = new long[n];
        var cached = new long[n];
        var costs = new double?[n];
        var successes = new bool[n];
        var errorTypes = new string?[n];
        var qualities = new double?[n];
        var feedbacks = new short[n];
        var subjects = new string?[n];
        var hashes = new string?[n];
        var agreements = new double?[n];
        var shadowOfs = new string?[n];
        var providers = new string?[n];
        var simulated = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var (e, bundle) = (events[i].Event, events[i].Bundle);
            requestIds[i] = e.RequestId!;
            bundleIds[i] = bundle.Id;
            familyIds[i] = bundle.FamilyId;
            timestamps[i] = events[i].Timestamp;
            latencies[i] = e.LatencyMs ?? 0;
            inputs[i] = e.InputTokens ?? 0;
            outputs[i] = e.OutputTokens ?? 0;
            cached[i] = e.CachedInputTokens ?? 0;
            costs[i] = events[i].CostUsd;
            successes[i] = e.Success == true;
            errorTypes[i] = e.ErrorType;
            qualities[i] = e.QualityScore;
            feedbacks[i] = (short)e.Feedback;
            subjects[i] = e.Subject;
            hashes[i] = e.OutputHash;
            agreements[i] = e.Agreement;
            shadowOfs[i] = e.ShadowOf;
            providers[i] = e.Provider;
            simulated[i] = e.Simulated;
        }

        // One round trip for the whole batch; ordinality keeps each row's index so the answer maps back to events.
        await using var command = new NpgsqlCommand(
            "INSERT INTO telemetry_events (" + InsertColumns + ") " +
            "SELECT r, b, f, t, $5, l, i, o, c, cost, s, et, q, fb, sub, h, a, so, p, sim FROM unnest($1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) " +
            "AS u(r, b, f, t, l, i, o, c, cost, s, et, q, fb, sub, h, a, so, p, sim) " +
            "ON CONFLICT (\"RequestId\", \"BundleId\") DO NOTHING RETURNING \"RequestId\", \"BundleId\"", connection);
        object[] values = [requestIds, bundleIds, familyIds, timestamps, receivedAt, latencies, inputs, outputs, cached, costs, successes, errorTypes, qualities, feedbacks, subjects, hashes, agreements, shadowOfs, providers, simulated];
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var fresh = new HashSet<(string, int)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                fresh.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }

        var inserted = new bool[n];
        for (var i = 0; i < n; i++)
        {
            // A (request, bundle) twice in one batch: the first one is the new event, the rest are duplicates.
            inserted[i] = fresh.Remove((requestIds[i], bundleIds[i]));
        }

        return inserted;
    }

    private const string RollupUpsertSql =
        "INSERT INTO rollups (\"BundleId\", \"Minute\", \"Requests\", \"Errors\", \"LatencySumMs\", \"QualityCount\", \"QualitySum\", " +
        "\"QualitySumSquares\", \"InputTokens\", \"CachedInputTokens\", \"OutputTokens\", \"CostCount\", \"CostSum\", \"CostSumSquares\", " +
        "\"PositiveFeedback\", \"NegativeFeedback\", \"Simulated\") VALUES (@b, @m, @p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14) " +
        "ON CONFLICT (\"BundleId\", \"Minute\") DO UPDATE SET " +
        "\"Requests\" = rollups.\"Requests\" + excluded.\"Requests\", \"Errors\" = rollups.\"Errors\" + excluded.\"Errors\", " +
        "\"LatencySumMs\" = rollups.\"LatencySumMs\" + excluded.\"LatencySumMs\", \"QualityCount\" = rollups.\"QualityCount\" + excluded.\"QualityCount\", " +
        "\"QualitySum\" = rollups.\"QualitySum\" + excluded.\"QualitySum\", \"QualitySumSquares\" = rollups.\"QualitySumSquares\" + excluded.\"QualitySumSquares\", " +
        "\"InputTokens\" = rollups.\"InputTokens\" + excluded.\"InputTokens\", \"CachedInputTokens\" = rollups.\"CachedInputTokens\" + excluded.\"CachedInputTokens\", " +
        "\"OutputTokens\" = rollups.\"OutputTokens\" + excluded.\"OutputTokens\", \"CostCount\" = rollups.\"CostCount\" + excluded.\"CostCount\", " +
        "\"CostSum\" = rollups.\"CostSum\" + excluded.\"CostSum\", \"CostSumSquares\" = rollups.\"CostSumSquares\" + excluded.\"CostSumSquares\", " +
        "\"PositiveFeedback\" = rollups.\"PositiveFeedback\" + excluded.\"PositiveFeedback\", \"NegativeFeedback\" = rollups.\"NegativeFeedback\" + excluded.\"NegativeFeedback\", " +
        "\"Simulated\" = rollups.\"Simulated\" + excluded.\"Simulated\"";

    private const string LatencyUpsertSql =
        "INSERT INTO rollup_latency (\"BundleId\", \"Minute\", \"Bucket\", \"Count\") VALUES (@b, @m, @k, @c) " +
        "ON CONFLICT (\"BundleId\", \"Minute\", \"Bucket\") DO UPDATE SET \"Count\" = rollup_latency.\"Count\" + excluded.\"Count\"";

    private const string ErrorUpsertSql =
        "INSERT INTO rollup_errors (\"BundleId\", \"Minute\", \"ErrorType\", \"Count\") VALUES (@b, @m, @k, @c) " +
        "ON CONFLICT (\"BundleId\", \"Minute\", \"ErrorType\") DO UPDATE SET \"Count\" = rollup_errors.\"Count\" + excluded.\"Count\"";

    private async Task UpsertRollupsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<MinuteRollup> rollups, CancellationToken cancellationToken)
    {
        var rows = new List<(string Sql, object[] Values)>();
        foreach (var r in rollups)
        {
            rows.Add((RollupUpsertSql, [r.BundleId, r.Minute, r.Requests, r.Errors, r.LatencySumMs, r.QualityCount, r.QualitySum, r.QualitySumSquares,
                r.InputTokens, r.CachedInputTokens, r.OutputTokens, r.CostCount, r.CostSum, r.CostSumSquares, r.PositiveFeedback, r.NegativeFeedback, r.Simulated]));
            foreach (var (bucket, count) in r.Latency)
            {
                rows.Add((LatencyUpsertSql, [r.BundleId, r.Minute, bucket, count]));
            }

            foreach (var (type, count) in r.ErrorsByType)
            {
                rows.Add((ErrorUpsertSql, [r.BundleId, r.Minute, type, count]));
            }
        }

        if (IsSqlite)
        {
            // One prepared command per statement shape, reused for every row.
            var commands = new Dictionary<string, DbCommand>();
            try
            {
                foreach (var (sql, values) in rows)
                {
                    if (!commands.TryGetValue(sql, out var command))
                    {
                        command = Command(connection, transaction, sql, values.Length);
                        command.Prepare();
                        commands[sql] = command;
                    }

                    for (var i = 0; i < values.Length; i++)
                    {
                        command.Parameters[i].Value = values[i];
                    }

                    command.ExecuteNonQuery();
                }
            }
            finally
            {
                foreach (var command in commands.Values)
                {
                    await command.DisposeAsync();
                }
            }
        }
        else
        {
            // One round trip for all upserts of the batch.
            await using var batch = new NpgsqlBatch((NpgsqlConnection)connection);
            foreach (var (sql, values) in rows)
            {
                var command = new NpgsqlBatchCommand(PositionalSql(sql, values.Length));
                foreach (var value in values)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value });
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private const string PairSql =
        "UPDATE telemetry_events SET \"PrimaryEventId\" = (SELECT p.\"Id\" FROM telemetry_events p " +
        "WHERE p.\"RequestId\" = telemetry_events.\"ShadowOf\" AND p.\"FamilyId\" = telemetry_events.\"FamilyId\" AND p.\"ShadowOf\" IS NULL ORDER BY p.\"Id\" LIMIT 1) " +
        "WHERE \"FamilyId\" = @f AND \"ShadowOf\" IS NOT NULL AND \"PrimaryEventId\" IS NULL AND EXISTS (SELECT 1 FROM telemetry_events p " +
        "WHERE p.\"RequestId\" = telemetry_events.\"ShadowOf\" AND p.\"FamilyId\" = @f AND p.\"ShadowOf\" IS NULL)";

    // Pairs shadows with primaries in either arrival order: one statement per family over the few shadows still waiting.
    private static async Task PairShadowsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<int> families, CancellationToken cancellationToken)
    {
        foreach (var family in families)
        {
            await using var command = Command(connection, transaction, PairSql, 0);
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@f";
            parameter.Value = family;
            command.Parameters.Add(parameter);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Deletes raw events received before <paramref name="cutoff"/>, oldest first in small chunks so writers keep flowing.</summary>
    public async Task<int> PruneAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            int deleted;
            if (IsSqlite)
            {
                await _sqliteWriter.WaitAsync(cancellationToken);
            }

            try
            {
                await using var db = await factory.CreateDbContextAsync(cancellationToken);
                deleted = await db.Database.ExecuteSqlAsync(
                    $"DELETE FROM telemetry_events WHERE \"Id\" IN (SELECT o.\"Id\" FROM (SELECT \"Id\", \"ReceivedAt\" FROM telemetry_events ORDER BY \"Id\" LIMIT {PruneChunk}) o WHERE o.\"ReceivedAt\" < {cutoff})",
                    cancellationToken);
            }
            finally
            {
                if (IsSqlite)
                {
                    _sqliteWriter.Release();
                }
            }

            total += deleted;
            if (deleted == 0)
            {
                return total;
            }
        }
    }

    /// <summary>A bundle's requests from the minute holding <paramref name="since"/> on (0 for an unknown bundle).</summary>
    public async Task<long> RequestsSinceAsync(string bundle, DateTime since, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var from = MinuteRollup.MinuteOf(since);
        return await db.Rollups.Where(r => r.Minute >= from && db.Bundles.Any(b => b.Id == r.BundleId && b.Name == bundle))
            .SumAsync(r => r.Requests, cancellationToken);
    }

    /// <summary>
    /// Every family's served requests and errors per minute from <paramref name="since"/> on, in one set-based read.
    /// A bundle in SHADOW only answers mirrored calls, so its rollups are left out (they would count requests twice).
    /// </summary>
    public async Task<IReadOnlyList<FamilyMinute>> ReadFamilyTrafficAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await (
            from r in db.Rollups
            where r.Minute >= since
            join b in db.Bundles on r.BundleId equals b.Id
            where b.Stage != Stage.Shadow
            join f in db.Families on b.FamilyId equals f.Id
            group r by new { f.Name, r.Minute } into g
            select new FamilyMinute(g.Key.Name, g.Key.Minute, g.Sum(x => x.Requests), g.Sum(x => x.Errors)))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The shadow calls of <paramref name="shadowBundleId"/> in [start, end) paired with a primary served by
    /// <paramref name="primaryBundleId"/>, folded in the database into a 2×2 table of success and sums of differences
    /// (shadow − primary). Agreement is 1 or 0 from equal output hashes when both have one, else the gateway's score.
    /// </summary>
    public async Task<PairedTotals> ReadPairsAsync(int shadowBundleId, int primaryBundleId, DateTime start, DateTime end, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var pairs =
            from s in db.TelemetryEvents
            where s.BundleId == shadowBundleId && s.PrimaryEventId != null && s.Timestamp >= start && s.Timestamp < end
            join p in db.TelemetryEvents on s.PrimaryEventId equals p.Id
            where p.BundleId == primaryBundleId
            select new
            {
                ActiveOk = p.Success,
                CandidateOk = s.Success,
                Hashes = p.OutputHash != null && s.OutputHash != null,
                SameHash = p.OutputHash == s.OutputHash,
                s.Agreement,
                Scored = p.QualityScore != null && s.QualityScore != null,
                QualityDifference = (s.QualityScore ?? 0) - (p.QualityScore ?? 0),
                LatencyDifference = s.LatencyMs - p.LatencyMs,
            };
        var totals = await pairs.GroupBy(_ => 1).Select(g => new PairedTotals(
            g.Count(),
            g.Count(x => x.ActiveOk && x.CandidateOk),
            g.Count(x => x.ActiveOk && !x.CandidateOk),
            g.Count(x => !x.ActiveOk && x.CandidateOk),
            g.Count(x => !x.ActiveOk && !x.CandidateOk),
            g.Count(x => x.Hashes || x.Agreement != null),
            g.Sum(x => x.Hashes ? (x.SameHash ? 1.0 : 0.0) : (x.Agreement ?? 0.0)),
            g.Count(x => x.Scored),
            g.Sum(x => x.Scored ? x.QualityDifference : 0.0),
            g.Sum(x => x.Scored ? x.QualityDifference * x.QualityDifference : 0.0),
            g.Sum(x => x.LatencyDifference),
            g.Sum(x => x.LatencyDifference * x.LatencyDifference))).ToListAsync(cancellationToken);
        // One group at most (none when there are no pairs).
        return totals.Count == 0 ? PairedTotals.None : totals[0];
    }

    /// <summary>
    /// Bundles' primary calls (mirrored calls left out) in [start, end) folded in the database for <paramref name="metric"/>
    /// (errorRate, negativeFeedbackRate, qualityMean or costPerCall): per subject, then per bundle (what the delta
    /// method needs, whatever the number of subjects), and per request. Only raw events still kept can be folded.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, SubjectFold>> ReadSubjectFoldsAsync(IReadOnlyCollection<int> bundleIds, string metric, DateTime start, DateTime end, long afterEventId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = bundleIds.Distinct().ToList();
        // Events stored before the experiment began are skipped by the primary key alone, so a young experiment in an
        // old database reads only its own events.
        var events = db.TelemetryEvents.AsNoTracking()
            .Where(e => e.Id > afterEventId && ids.Contains(e.BundleId) && e.Timestamp >= start && e.Timestamp < end && e.ShadowOf == null);
        // Each call's Y (the metric's value: 0/1 for a rate) and X (1 when it carries the metric), then the same rows
        // grouped per subject and per bundle.
        var calls = metric switch
        {
            "errorRate" => events.Select(e => new CallValue { BundleId = e.BundleId, Subject = e.Subject, Y = e.Success ? 0 : 1, X = 1 }),
            "negativeFeedbackRate" => events.Select(e => new CallValue { BundleId = e.BundleId, Subject = e.Subject, Y = e.Feedback == Feedback.Negative ? 1 : 0, X = 1 }),
            "qualityMean" => events.Select(e => new CallValue { BundleId = e.BundleId, Subject = e.Subject, Y = e.QualityScore ?? 0, X = e.QualityScore != null ? 1 : 0 }),
            "costPerCall" => events.Select(e => new CallValue { BundleId = e.BundleId, Subject = e.Subject, Y = e.CostUsd ?? 0, X = e.CostUsd != null ? 1 : 0 }),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "An experiment metric is errorRate, negativeFeedbackRate, qualityMean or costPerCall."),
        };
        var perSubject = calls.Where(c => c.Subject != null).GroupBy(c => new { c.BundleId, c.Subject })
            .Select(g => new SubjectRow { BundleId = g.Key.BundleId, Requests = g.Count(), Y = g.Sum(c => c.Y), X = g.Sum(c => c.X) });
        var folds = await perSubject.GroupBy(r => r.BundleId).Select(g => new
        {
            BundleId = g.Key,
            Subjects = g.LongCount(),
            Requests = g.Sum(r => (long)r.Requests),
            SumY = g.Sum(r => r.Y),
            SumX = g.Sum(r => r.X),
            SumYY = g.Sum(r => r.Y * r.Y),
            SumXX = g.Sum(r => r.X * r.X),
            SumXY = g.Sum(r => r.X * r.Y),
        }).ToDictionaryAsync(f => f.BundleId, cancellationToken);
        // A rate's Y is 0 or 1, so ΣY² = ΣY as the per-request tests expect.
        var perRequest = await calls.GroupBy(c => c.BundleId).Select(g => new RequestRow
        {
            BundleId = g.Key, Requests = g.Count(), WithoutSubject = g.Count(c => c.Subject == null), Measured = g.Sum(c => c.X), Sum = g.Sum(c => c.Y), SumSquares = g.Sum(c => c.Y * c.Y),
        }).ToDictionaryAsync(r => r.BundleId, cancellationToken);
        return ids.ToDictionary(id => id, id =>
        {
            var f = folds.GetValueOrDefault(id);
            var r = perRequest.GetValueOrDefault(id);
            return new SubjectFold(id, f?.Subjects ?? 0, f?.Requests ?? 0, f?.SumY ?? 0, f?.SumX ?? 0, f?.SumYY ?? 0, f?.SumXX ?? 0, f?.SumXY ?? 0,
                r?.WithoutSubject ?? 0, r?.Requests ?? 0, (long)Math.Round(r?.Measured ?? 0), r?.Sum ?? 0, r?.SumSquares ?? 0);
        });
    }

    private sealed class CallValue
    {
        public int BundleId { get; init; }
        public string? Subject { get; init; }
        public double Y { get; init; }
        public double X { get; init; }
    }

    private sealed class RequestRow
    {
        public int BundleId { get; init; }
        public int Requests { get; init; }
        public int WithoutSubject { get; init; }
        public double Measured { get; init; }
        public double Sum { get; init; }
        public double SumSquares { get; init; }
    }

    private sealed class SubjectRow
    {
        public int BundleId { get; init; }
        public int Requests { get; init; }
        public double Y { get; init; }
        public double X { get; init; }
    }

    /// <summary>A bundle's minute rollups in [from, to), histograms and error types included.</summary>
    public async Task<IReadOnlyList<MinuteRollup>> ReadRollupsAsync(int bundleId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        (await ReadRollupsAsync([bundleId], from, to, cancellationToken)).GetValueOrDefault(bundleId) ?? [];

    /// <summary>
    /// Several bundles' rollups in [from, to) folded per bundle in the database (sums, and the latency histogram summed
    /// per bucket): what an evaluation pass judges, in two grouped queries whatever the number of minutes. Each total's
    /// <see cref="MinuteRollup.Minute"/> is its first minute with data; bundles without any are left out. Error types are not folded.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, MinuteRollup>> ReadWindowTotalsAsync(IReadOnlyCollection<int> bundleIds, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<int, MinuteRollup>(bundleIds.Count);
        if (bundleIds.Count == 0)
        {
            return totals;
        }

        // Hand-written SQL read straight off the reader: an evaluation pass reads thousands of bundles' windows, and
        // materialising them through LINQ cost as much as the database's own work.
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var idSet = IsSqlite ? "IN (SELECT value FROM json_each(@ids))" : "= ANY(@ids)";
        object ids = IsSqlite ? "[" + string.Join(',', bundleIds.Distinct()) + "]" : bundleIds.Distinct().ToArray();
        await using (var sums = connection.CreateCommand())
        {
            sums.CommandText = $"""
                SELECT "BundleId", CAST(SUM("Requests") AS BIGINT), CAST(SUM("Errors") AS BIGINT), SUM("LatencySumMs"), CAST(SUM("QualityCount") AS BIGINT),
                       SUM("QualitySum"), SUM("QualitySumSquares"), CAST(SUM("InputTokens") AS BIGINT), CAST(SUM("CachedInputTokens") AS BIGINT),
                       CAST(SUM("OutputTokens") AS BIGINT), CAST(SUM("CostCount") AS BIGINT), SUM("CostSum"), SUM("CostSumSquares"),
                       CAST(SUM("PositiveFeedback") AS BIGINT), CAST(SUM("NegativeFeedback") AS BIGINT), CAST(SUM("Simulated") AS BIGINT), MIN("Minute")
                FROM rollups WHERE "BundleId" {idSet} AND "Minute" >= @from AND "Minute" < @to
                GROUP BY "BundleId"
                """;
            AddWindowParameters(sums, ids, from, to);
            await using var reader = await sums.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt32(0);
                totals[id] = new MinuteRollup(id, DateTime.SpecifyKind(reader.GetDateTime(16), DateTimeKind.Utc))
                {
                    Requests = reader.GetInt64(1), Errors = reader.GetInt64(2), LatencySumMs = reader.GetDouble(3), QualityCount = reader.GetInt64(4),
                    QualitySum = reader.GetDouble(5), QualitySumSquares = reader.GetDouble(6), InputTokens = reader.GetInt64(7), CachedInputTokens = reader.GetInt64(8),
                    OutputTokens = reader.GetInt64(9), CostCount = reader.GetInt64(10), CostSum = reader.GetDouble(11), CostSumSquares = reader.GetDouble(12),
                    PositiveFeedback = reader.GetInt64(13), NegativeFeedback = reader.GetInt64(14), Simulated = reader.GetInt64(15),
                };
            }
        }

        await using (var buckets = connection.CreateCommand())
        {
            buckets.CommandText = $"""
                SELECT "BundleId", "Bucket", CAST(SUM("Count") AS BIGINT) FROM rollup_latency
                WHERE "BundleId" {idSet} AND "Minute" >= @from AND "Minute" < @to
                GROUP BY "BundleId", "Bucket"
                """;
            AddWindowParameters(buckets, ids, from, to);
            await using var reader = await buckets.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (totals.TryGetValue(reader.GetInt32(0), out var total))
                {
                    total.Latency[reader.GetInt32(1)] = reader.GetInt64(2);
                }
            }
        }

        return totals;
    }

    private static void AddWindowParameters(DbCommand command, object ids, DateTime from, DateTime to)
    {
        foreach (var (name, value) in new[] { ("@ids", ids), ("@from", (object)from), ("@to", to) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    /// <summary>Several bundles' minute rollups in [from, to) in one set-based read (three queries), per bundle, by minute.</summary>
    public async Task<IReadOnlyDictionary<int, IReadOnlyList<MinuteRollup>>> ReadRollupsAsync(IReadOnlyCollection<int> bundleIds, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = bundleIds.Distinct().ToList();
        var rows = await db.Rollups.AsNoTracking().Where(r => ids.Contains(r.BundleId) && r.Minute >= from && r.Minute < to).ToListAsync(cancellationToken);
        var latency = await db.RollupLatency.AsNoTracking().Where(r => ids.Contains(r.BundleId) && r.Minute >= from && r.Minute < to).ToListAsync(cancellationToken);
        var errors = await db.RollupErrors.AsNoTracking().Where(r => ids.Contains(r.BundleId) && r.Minute >= from && r.Minute < to).ToListAsync(cancellationToken);
        var byKey = rows.ToDictionary(r => (r.BundleId, r.Minute), ToRollup);
        foreach (var l in latency)
        {
            if (byKey.TryGetValue((l.BundleId, l.Minute), out var r))
            {
                r.Latency[l.Bucket] = l.Count;
            }
        }

        foreach (var e in errors)
        {
            if (byKey.TryGetValue((e.BundleId, e.Minute), out var r))
            {
                r.ErrorsByType[e.ErrorType] = e.Count;
            }
        }

        return byKey.Values.GroupBy(r => r.BundleId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<MinuteRollup>)g.OrderBy(r => r.Minute).ToList());
    }

    private static MinuteRollup ToRollup(Entities.RollupEntity r) => new(r.BundleId, r.Minute)
    {
        Requests = r.Requests,
        Errors = r.Errors,
        LatencySumMs = r.LatencySumMs,
        QualityCount = r.QualityCount,
        QualitySum = r.QualitySum,
        QualitySumSquares = r.QualitySumSquares,
        InputTokens = r.InputTokens,
        CachedInputTokens = r.CachedInputTokens,
        OutputTokens = r.OutputTokens,
        CostCount = r.CostCount,
        CostSum = r.CostSum,
        CostSumSquares = r.CostSumSquares,
        PositiveFeedback = r.PositiveFeedback,
        NegativeFeedback = r.NegativeFeedback,
        Simulated = r.Simulated,
    };

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, string sql, int parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        var names = ParameterNames(sql);
        for (var i = 0; i < parameters; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = names[i];
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static List<string> ParameterNames(string sql) =>
        System.Text.RegularExpressions.Regex.Matches(sql, @"@\w+").Select(m => m.Value).Distinct().ToList();

    // Npgsql batches take positional parameters ($1, $2, ...) in the order the named ones first appear.
    private static string PositionalSql(string sql, int parameters)
    {
        var names = ParameterNames(sql);
        for (var i = 0; i < parameters; i++)
        {
            sql = System.Text.RegularExpressions.Regex.Replace(sql, names[i] + @"\b", "$$" + (i + 1));
        }

        return sql;
    }
}
