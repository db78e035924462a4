using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using ModelConsole.Core.Telemetry;
using Npgsql;

namespace ModelConsole.Data.Stores;

/// <summary>What one batch wrote: how many events were new, how many had been stored before, and what they touched.</summary>
public sealed record TelemetryWrite(int Accepted, int Duplicates, IReadOnlyList<int> FamilyIds, IReadOnlyList<int> BundleIds);

/// <summary>A score or feedback for a stored call, its bundle resolved.</summary>
public sealed record AcceptedAnnotation(int Index, string RequestId, int BundleId, double? QualityScore, Feedback Feedback);

/// <summary>What became of one annotation.</summary>
public enum AnnotationOutcome
{
    Accepted,
    Unknown,
    Duplicate,
}

/// <summary>Each annotation's outcome, in order, and the bundles whose rollups changed.</summary>
public sealed record AnnotationWrite(IReadOnlyList<AnnotationOutcome> Outcomes, IReadOnlyList<int> BundleIds);

/// <summary>
/// The telemetry write path (the reads are <see cref="TelemetryQueries"/>). Raw events go in with prepared statements (SQLite) or one array insert (PostgreSQL),
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

    public async Task<TelemetryWrite> WriteAsync(IReadOnlyList<AcceptedEvent> events, DateTime receivedAt, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return new TelemetryWrite(0, 0, [], []);
        }

        return await InWriteTransactionAsync(async (connection, dbTransaction) =>
        {
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

            await UpsertRollupsAsync(connection, dbTransaction, RollupFold.Fold(fresh, receivedAt), cancellationToken);
            var families = fresh.Select(e => e.Bundle.FamilyId).Distinct().ToList();
            await PairShadowsAsync(connection, dbTransaction, families, cancellationToken);
            return new TelemetryWrite(fresh.Count, events.Count - fresh.Count, families, fresh.Select(e => e.Bundle.Id).Distinct().ToList());
        }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; on SQLite, writers queue here (it has one writer,
    /// and queueing is cheaper than its busy-wait; readers are never blocked, WAL).
    /// </summary>
    private async Task<T> InWriteTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        if (IsSqlite)
        {
            await _sqliteWriter.WaitAsync(cancellationToken);
        }

        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var result = await work(db.Database.GetDbConnection(), transaction.GetDbTransaction());
            await transaction.CommitAsync(cancellationToken);
            return result;
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
        "\"Agreement\", \"ShadowOf\", \"Provider\", \"Simulated\", \"ServedModel\"";

    /// <summary>The SQLite insert, public so the benchmark's bare-insert baseline writes exactly the same rows.</summary>
    public const string SqliteInsertSql =
        "INSERT INTO telemetry_events (" + InsertColumns + ") VALUES (@requestId, @bundleId, @familyId, @timestamp, @receivedAt, " +
        "@latencyMs, @inputTokens, @outputTokens, @cachedInputTokens, @costUsd, @success, @errorType, @qualityScore, @feedback, " +
        "@subject, @outputHash, @agreement, @shadowOf, @provider, @simulated, @servedModel) ON CONFLICT (\"RequestId\", \"BundleId\") DO NOTHING";

    private static readonly string[] InsertParameters =
    [
        "@requestId", "@bundleId", "@familyId", "@timestamp", "@receivedAt", "@latencyMs", "@inputTokens", "@outputTokens",
        "@cachedInputTokens", "@costUsd", "@success", "@errorType", "@qualityScore", "@feedback", "@subject", "@outputHash",
        "@agreement", "@shadowOf", "@provider", "@simulated", "@servedModel",
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
        p[20].Value = (object?)e.ServedModel ?? DBNull.Value;
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
        var servedModels = new string?[n];
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
            servedModels[i] = e.ServedModel;
        }

        // One round trip for the whole batch; ordinality keeps each row's index so the answer maps back to events.
        await using var command = new NpgsqlCommand(
            "INSERT INTO telemetry_events (" + InsertColumns + ") " +
            "SELECT r, b, f, t, $5, l, i, o, c, cost, s, et, q, fb, sub, h, a, so, p, sim, sm FROM unnest($1, $2, $3, $4, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) " +
            "AS u(r, b, f, t, l, i, o, c, cost, s, et, q, fb, sub, h, a, so, p, sim, sm) " +
            "ON CONFLICT (\"RequestId\", \"BundleId\") DO NOTHING RETURNING \"RequestId\", \"BundleId\"", connection);
        object[] values = [requestIds, bundleIds, familyIds, timestamps, receivedAt, latencies, inputs, outputs, cached, costs, successes, errorTypes, qualities, feedbacks, subjects, hashes, agreements, shadowOfs, providers, simulated, servedModels];
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

    // Written from the rollup fields: every column is a sum, so a conflicting minute adds; the newest arrival is a maximum.
    private static string RollupUpsertSql(bool sqlite) =>
        "INSERT INTO rollups (\"BundleId\", \"Minute\", " + string.Join(", ", RollupField.All.Select(f => $"\"{f.Column}\"")) + ", \"NewestReceivedAt\") " +
        "VALUES (@b, @m, " + string.Join(", ", RollupField.All.Select((_, i) => "@p" + i)) + ", @r) " +
        "ON CONFLICT (\"BundleId\", \"Minute\") DO UPDATE SET " +
        string.Join(", ", RollupField.All.Select(f => $"\"{f.Column}\" = rollups.\"{f.Column}\" + excluded.\"{f.Column}\"")) +
        $", \"NewestReceivedAt\" = {(sqlite ? "MAX" : "GREATEST")}(COALESCE(rollups.\"NewestReceivedAt\", excluded.\"NewestReceivedAt\"), excluded.\"NewestReceivedAt\")";

    private static readonly string SqliteRollupUpsertSql = RollupUpsertSql(sqlite: true);

    private static readonly string PostgresRollupUpsertSql = RollupUpsertSql(sqlite: false);

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
            var values = new object[RollupField.All.Count + 3];
            values[0] = r.BundleId;
            values[1] = r.Minute;
            for (var i = 0; i < RollupField.All.Count; i++)
            {
                values[i + 2] = RollupField.All[i].Value(r);
            }

            values[^1] = (object?)r.NewestReceivedAt ?? DBNull.Value;
            rows.Add((IsSqlite ? SqliteRollupUpsertSql : PostgresRollupUpsertSql, values));
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

    private const string FindAnnotatedSql =
        "SELECT \"Id\", \"Timestamp\", \"QualityScore\", \"Feedback\" FROM telemetry_events WHERE \"RequestId\" = @r AND \"BundleId\" = @b";

    private const string AnnotateSql =
        "UPDATE telemetry_events SET \"QualityScore\" = @q, \"Feedback\" = @f WHERE \"Id\" = @id";

    /// <summary>
    /// Folds scores and feedback that arrive after their calls into the stored events and their minutes' rollups:
    /// at most one score and one feedback per call (a later one is a duplicate), an unknown request counted as
    /// such. One transaction, like a batch of events.
    /// </summary>
    public async Task<AnnotationWrite> AnnotateAsync(IReadOnlyList<AcceptedAnnotation> annotations, DateTime receivedAt, CancellationToken cancellationToken)
    {
        var outcomes = new AnnotationOutcome[annotations.Count];
        if (annotations.Count == 0)
        {
            return new AnnotationWrite(outcomes, []);
        }

        return await InWriteTransactionAsync(async (connection, dbTransaction) =>
        {
            var rollups = new Dictionary<(int, DateTime), MinuteRollup>();
            await using var find = Command(connection, dbTransaction, FindAnnotatedSql, 2);
            await using var update = Command(connection, dbTransaction, AnnotateSql, 3);
            for (var i = 0; i < annotations.Count; i++)
            {
                var a = annotations[i];
                find.Parameters[0].Value = a.RequestId;
                find.Parameters[1].Value = a.BundleId;
                long id;
                DateTime timestamp;
                double? quality;
                Feedback feedback;
                await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
                {
                    if (!await reader.ReadAsync(cancellationToken))
                    {
                        outcomes[i] = AnnotationOutcome.Unknown;
                        continue;
                    }

                    id = reader.GetInt64(0);
                    timestamp = DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc);
                    quality = reader.IsDBNull(2) ? null : reader.GetDouble(2);
                    feedback = reader.IsDBNull(3) ? Feedback.None : (Feedback)reader.GetInt16(3);
                }

                var addQuality = a.QualityScore is not null && quality is null;
                var addFeedback = a.Feedback != Feedback.None && feedback == Feedback.None;
                if (!addQuality && !addFeedback)
                {
                    outcomes[i] = AnnotationOutcome.Duplicate;
                    continue;
                }

                update.Parameters[0].Value = (object?)(addQuality ? a.QualityScore : quality) ?? DBNull.Value;
                update.Parameters[1].Value = (short)(addFeedback ? a.Feedback : feedback);
                update.Parameters[2].Value = id;
                await update.ExecuteNonQueryAsync(cancellationToken);

                var key = (a.BundleId, MinuteRollup.MinuteOf(timestamp));
                if (!rollups.TryGetValue(key, out var rollup))
                {
                    rollup = new MinuteRollup(key.Item1, key.Item2) { NewestReceivedAt = receivedAt };
                    rollups[key] = rollup;
                }

                rollup.Annotate(addQuality ? a.QualityScore : null, addFeedback ? a.Feedback : Feedback.None);
                outcomes[i] = AnnotationOutcome.Accepted;
            }

            await UpsertRollupsAsync(connection, dbTransaction, rollups.Values, cancellationToken);
            return new AnnotationWrite(outcomes, rollups.Keys.Select(k => k.Item1).Distinct().ToList());
        }, cancellationToken);
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

    /// <summary>
    /// Folds minute rollups older than <paramref name="cutoff"/> into one row per bundle and hour (at the hour's start),
    /// in all three rollup tables, a day per transaction, oldest first (after deleting whatever is older than
    /// <paramref name="deleteBefore"/>): sums stay sums and histograms stay histograms,
    /// so every read over a span stays exact and only minute-level detail of old hours is lost. Returns the rows the fold removed (minute rows minus hour rows)
    /// and the rows deleted. Safe to repeat: an hour already folded has only its hour row, which folds to itself.
    /// </summary>
    public async Task<(int Folded, int Deleted)> FoldRollupsAsync(DateTime cutoff, DateTime deleteBefore, CancellationToken cancellationToken)
    {
        // The expired go first: folding what is about to be deleted would be wasted work.
        var deleted = await InWriteTransactionAsync(async (connection, transaction) =>
        {
            var total = 0;
            foreach (var table in FoldedTables)
            {
                await using var command = Command(connection, transaction, $"DELETE FROM {table.Name} WHERE \"Minute\" < @before", 1);
                command.Parameters[0].Value = deleteBefore;
                total += await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return total;
        }, cancellationToken);
        cutoff = FloorHour(cutoff);
        var folded = 0;
        // Bounded per call (a year of days): the job runs again in ten minutes.
        for (var day = 0; day < 366; day++)
        {
            var removed = await InWriteTransactionAsync(async (connection, transaction) =>
            {
                await using var find = Command(connection, transaction,
                    $"SELECT MIN(\"Minute\") FROM rollups WHERE \"Minute\" < @cutoff AND {MinuteOfHour} <> 0", 1);
                find.Parameters[0].Value = cutoff;
                if (await find.ExecuteScalarAsync(cancellationToken) is not { } oldest || oldest is DBNull)
                {
                    return -1;
                }

                var from = FloorHour(oldest is DateTime at ? at : DateTime.Parse((string)oldest, System.Globalization.CultureInfo.InvariantCulture));
                var to = from.AddDays(1) < cutoff ? from.AddDays(1) : cutoff;
                var count = 0;
                foreach (var table in FoldedTables)
                {
                    await RunAsync($"CREATE TEMP TABLE fold_rows AS SELECT \"BundleId\", {HourOf} AS \"Minute\"{table.Keys}, {table.Folds} FROM {table.Name} WHERE \"Minute\" >= @from AND \"Minute\" < @to GROUP BY \"BundleId\", {HourOf}{table.Keys}", inRange: true);
                    count += await RunAsync($"DELETE FROM {table.Name} WHERE \"Minute\" >= @from AND \"Minute\" < @to", inRange: true);
                    count -= await RunAsync($"INSERT INTO {table.Name} ({table.Columns}) SELECT {table.Columns} FROM fold_rows", inRange: false);
                    await RunAsync("DROP TABLE fold_rows", inRange: false);
                }

                async Task<int> RunAsync(string sql, bool inRange)
                {
                    await using var command = Command(connection, transaction, sql, inRange ? 2 : 0);
                    if (inRange)
                    {
                        command.Parameters[0].Value = from;
                        command.Parameters[1].Value = to;
                    }

                    return await command.ExecuteNonQueryAsync(cancellationToken);
                }

                return count;
            }, cancellationToken);
            if (removed < 0)
            {
                break;
            }

            folded += removed;
        }

        return (folded, deleted);
    }

    private static DateTime FloorHour(DateTime at) => new(at.Year, at.Month, at.Day, at.Hour, 0, 0, DateTimeKind.Utc);

    // The hour a minute falls in, and its minute within the hour, in each provider's SQL (times are UTC).
    private string HourOf => IsSqlite ? "strftime('%Y-%m-%d %H:00:00', \"Minute\")" : "date_trunc('hour', \"Minute\", 'UTC')";

    private string MinuteOfHour => IsSqlite ? "CAST(strftime('%M', \"Minute\") AS INTEGER)" : "EXTRACT(MINUTE FROM \"Minute\" AT TIME ZONE 'UTC')";

    // Each rollup table: its key columns beyond bundle and minute, and each other column with how an hour folds it.
    private static readonly FoldedTable[] FoldedTables =
    [
        new("rollups", [],
        [
            .. RollupField.All.Select(f => (f.Column, f.IsInteger ? $"CAST(SUM(\"{f.Column}\") AS BIGINT)" : $"SUM(\"{f.Column}\")")),
            ("NewestReceivedAt", "MAX(\"NewestReceivedAt\")"),
        ]),
        new("rollup_latency", ["Bucket"], [("Count", "CAST(SUM(\"Count\") AS BIGINT)")]),
        new("rollup_errors", ["ErrorType"], [("Count", "CAST(SUM(\"Count\") AS BIGINT)")]),
    ];

    private sealed record FoldedTable(string Name, string[] KeyColumns, (string Column, string Fold)[] Values)
    {
        /// <summary>", \"Bucket\"": the extra key columns, each after a comma.</summary>
        public string Keys { get; } = string.Concat(KeyColumns.Select(k => $", \"{k}\""));

        /// <summary>Each value's fold named as its column.</summary>
        public string Folds { get; } = string.Join(", ", Values.Select(v => $"{v.Fold} AS \"{v.Column}\""));

        /// <summary>Every column by name (a table's physical column order is the migrations' business).</summary>
        public string Columns { get; } = "\"BundleId\", \"Minute\"" + string.Concat(KeyColumns.Select(k => $", \"{k}\""))
            + string.Concat(Values.Select(v => $", \"{v.Column}\""));
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
