using System.Data.Common;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Statistics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Entities;
using ModelConsole.Data.Models;

namespace ModelConsole.Data.Stores;

/// <summary>A family's served traffic in one minute.</summary>
public sealed record FamilyMinute(string Family, DateTime Minute, long Requests, long Errors);

/// <summary>
/// One bundle's calls folded for an experiment's metric. Per subject (calls that name one): each subject's Y (the
/// metric's sum) and X (its measured calls), then over subjects their count and ΣY, ΣX, ΣY², ΣX², ΣXY;
/// <see cref="WithoutSubject"/> counts calls that named none. Per request (every call): <see cref="Requests"/>,
/// <see cref="Measured"/> calls with the metric, its sum and sum of squares.
/// </summary>
public sealed record SubjectFold(
    int BundleId, long Subjects, long SubjectRequests, double SumY, double SumX, double SumYY, double SumXX, double SumXY, long WithoutSubject,
    long Requests, long Measured, double Sum, double SumSquares);

/// <summary>
/// The telemetry read queries: bundles by name for ingest, minute rollups and window totals folded in the database
/// (their SQL written from <see cref="RollupField.All"/>), paired shadows, and per-subject folds of raw calls (from
/// the metric catalog's per-call expressions). The write path is <see cref="TelemetryStore"/>.
/// </summary>
public sealed class TelemetryQueries(IDbContextFactory<ModelConsoleDbContext> factory, DatabaseSettings settings)
{
    private bool IsSqlite => settings.Provider == DatabaseProvider.Sqlite;

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

    /// <summary>
    /// Bundles by name in one query (the names sent as one array parameter): what ingest needs of each one that exists.
    /// With <paramref name="names"/> null, every bundle (the catalog's warm-up at start).
    /// </summary>
    public async Task<IReadOnlyList<TelemetryBundle>> FindBundlesAsync(IReadOnlyCollection<string>? names, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Bundles.AsNoTracking();
        if (names is not null)
        {
            var list = names.Distinct(StringComparer.Ordinal).ToList();
            query = query.Where(b => list.Contains(b.Name));
        }

        var rows = await query.Select(b => new { b.Id, b.FamilyId, b.Name, b.PriceInputPerMillion, b.PriceOutputPerMillion, b.PriceCachedInputPerMillion })
            .ToListAsync(cancellationToken);
        return rows.Select(b => new TelemetryBundle(b.Id, b.FamilyId, b.Name,
            b.PriceInputPerMillion is { } input && b.PriceOutputPerMillion is { } output ? new Pricing(input, output, b.PriceCachedInputPerMillion) : null)).ToList();
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
    /// Mirrored (shadow) calls are not served traffic: they are subtracted, and a bundle in SHADOW is left out.
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
            select new FamilyMinute(g.Key.Name, g.Key.Minute, g.Sum(x => x.Requests - x.Mirrored), g.Sum(x => x.Errors)))
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
    /// (its per-call value from the catalog): per subject, then per bundle (what the delta method needs, whatever the
    /// number of subjects), and per request. Only raw events still kept can be folded.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, SubjectFold>> ReadSubjectFoldsAsync(IReadOnlyCollection<int> bundleIds, Metric metric, DateTime start, DateTime end, long afterEventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (metric.CallValue is null || metric.CallMeasured is null)
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric.Name, "This metric has no per-call value to fold.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = bundleIds.Distinct().ToList();
        // Events stored before the experiment began are skipped by the primary key alone, so a young experiment in an
        // old database reads only its own events.
        var events = db.TelemetryEvents.AsNoTracking()
            .Where(e => e.Id > afterEventId && ids.Contains(e.BundleId) && e.Timestamp >= start && e.Timestamp < end && e.ShadowOf == null);
        // Each call's Y (the metric's value: 0/1 for a rate) and X (1 when it carries the metric), then the same rows
        // grouped per subject and per bundle.
        var calls = events.Select(CallValueOf(metric));
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

    /// <summary>
    /// e => new CallValue { BundleId, Subject, Y = metric's value, X = whether it carries it }, with the catalog's
    /// expressions over <see cref="CallRecord"/> rebound onto the stored event (the members share their names).
    /// </summary>
    private static Expression<Func<TelemetryEventEntity, CallValue>> CallValueOf(Metric metric)
    {
        var e = Expression.Parameter(typeof(TelemetryEventEntity), "e");
        var rebind = new CallRecordRebinder(e);
        var body = Expression.MemberInit(Expression.New(typeof(CallValue)),
            Expression.Bind(typeof(CallValue).GetProperty(nameof(CallValue.BundleId))!, Expression.Property(e, nameof(TelemetryEventEntity.BundleId))),
            Expression.Bind(typeof(CallValue).GetProperty(nameof(CallValue.Subject))!, Expression.Property(e, nameof(TelemetryEventEntity.Subject))),
            Expression.Bind(typeof(CallValue).GetProperty(nameof(CallValue.Y))!, rebind.Visit(metric.CallValue!.Body)),
            Expression.Bind(typeof(CallValue).GetProperty(nameof(CallValue.X))!, rebind.Visit(metric.CallMeasured!.Body)));
        return Expression.Lambda<Func<TelemetryEventEntity, CallValue>>(body, e);
    }

    private sealed class CallRecordRebinder(ParameterExpression target) : ExpressionVisitor
    {
        protected override Expression VisitMember(MemberExpression node) =>
            node.Expression is ParameterExpression { Type: var type } && type == typeof(CallRecord)
                ? Expression.Property(target, node.Member.Name)
                : base.VisitMember(node);
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

    /// <summary>The ids of bundles by name (unknown names left out).</summary>
    public async Task<IReadOnlyDictionary<string, int>> BundleIdsAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var list = names.Distinct().ToList();
        return await db.Bundles.AsNoTracking().Where(b => list.Contains(b.Name)).ToDictionaryAsync(b => b.Name, b => b.Id, StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>
    /// What sequential rules read of candidates: when each ramp step of a bundle's current stage began (the stage's
    /// entry, then every ramp since, oldest first) and its planned samples per arm; unknown bundles are left out. Two
    /// queries whatever the number of bundles.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, (IReadOnlyList<DateTime> StepStarts, long? PlannedPerArm)>> RampStepsAsync(IReadOnlyCollection<int> bundleIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<int, (IReadOnlyList<DateTime>, long?)>();
        if (bundleIds.Count == 0)
        {
            return result;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var ids = bundleIds.Distinct().ToList();
        var bundles = await db.Bundles.AsNoTracking().Where(b => ids.Contains(b.Id))
            .Select(b => new { b.Id, b.Name, b.StageEnteredAt, b.PlannedSamples }).ToListAsync(cancellationToken);
        if (bundles.Count == 0)
        {
            return result;
        }

        var names = bundles.Select(b => b.Name).ToList();
        var since = bundles.Min(b => b.StageEnteredAt);
        var ramps = (await db.Ledger.AsNoTracking()
                .Where(l => l.At > since && l.Action == Core.Ledger.LedgerActions.Ramp && l.Bundle != null && names.Contains(l.Bundle))
                .OrderBy(l => l.Id).Select(l => new { l.Bundle, l.At }).ToListAsync(cancellationToken))
            .ToLookup(l => l.Bundle!, l => l.At, StringComparer.Ordinal);
        foreach (var b in bundles)
        {
            var entered = DateTime.SpecifyKind(b.StageEnteredAt, DateTimeKind.Utc);
            result[b.Id] = ([entered, .. ramps[b.Name].Where(at => at > b.StageEnteredAt).Select(at => DateTime.SpecifyKind(at, DateTimeKind.Utc))], b.PlannedSamples);
        }

        return result;
    }

    /// <summary>
    /// Rollup sums over many (bundle, [from, to)) spans in one grouped query, each span's total at its index (a span
    /// without data has none). Latency histograms and error types are not folded: sequential rules judge rates and means.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, MinuteRollup>> ReadSpanTotalsAsync(IReadOnlyList<(int Bundle, DateTime From, DateTime To)> spans, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<int, MinuteRollup>(spans.Count);
        if (spans.Count == 0)
        {
            return totals;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        void Add(string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        string spanTable;
        if (IsSqlite)
        {
            // The spans as a JSON array of [index, bundle, from, to], the dates written as the provider stores them.
            const string format = "yyyy-MM-dd HH:mm:ss.FFFFFFF";
            var json = "[" + string.Join(',', spans.Select((x, i) =>
                $"[{i},{x.Bundle},\"{x.From.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}\",\"{x.To.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}\"]")) + "]";
            Add("@spans", json);
            spanTable = """(SELECT json_extract(value, '$[0]') AS k, json_extract(value, '$[1]') AS b, json_extract(value, '$[2]') AS f, json_extract(value, '$[3]') AS t FROM json_each(@spans))""";
        }
        else
        {
            Add("@k", Enumerable.Range(0, spans.Count).ToArray());
            Add("@b", spans.Select(x => x.Bundle).ToArray());
            Add("@f", spans.Select(x => x.From).ToArray());
            Add("@t", spans.Select(x => x.To).ToArray());
            spanTable = "unnest(@k, @b, @f, @t) AS s(k, b, f, t)";
        }

        command.CommandText = $"""
            SELECT s.k, MIN(r."BundleId"), MIN(r."Minute"), MAX(r."NewestReceivedAt"), {SumsOfFields}
            FROM {spanTable} {(IsSqlite ? "AS s" : "")}
            JOIN rollups r ON r."BundleId" = s.b AND r."Minute" >= s.f AND r."Minute" < s.t
            GROUP BY s.k
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var rollup = new MinuteRollup(reader.GetInt32(1), DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc))
            {
                NewestReceivedAt = reader.IsDBNull(3) ? null : DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc),
            };
            ReadFields(reader, 4, rollup);
            totals[Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)] = rollup;
        }

        return totals;
    }

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
        var (idSet, ids) = IdSet(bundleIds);
        await using (var sums = connection.CreateCommand())
        {
            sums.CommandText = $"""
                SELECT "BundleId", MIN("Minute"), MAX("NewestReceivedAt"), {SumsOfFields}
                FROM rollups WHERE "BundleId" {idSet} AND "Minute" >= @from AND "Minute" < @to
                GROUP BY "BundleId"
                """;
            AddWindowParameters(sums, ids, from, to);
            await using var reader = await sums.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var rollup = new MinuteRollup(reader.GetInt32(0), DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc))
                {
                    NewestReceivedAt = reader.IsDBNull(2) ? null : DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                };
                ReadFields(reader, 3, rollup);
                totals[rollup.BundleId] = rollup;
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

    /// <summary>
    /// A bundle's rollups in [from, to) folded per step in the database (steps aligned to multiples of
    /// <paramref name="stepMinutes"/> since 00:00 UTC): one row per step with data, however many minutes it spans, so a
    /// read of years at a day per step reads a few thousand rows, never millions. Each total's
    /// <see cref="MinuteRollup.Minute"/> is its step's start.
    /// </summary>
    public async Task<IReadOnlyList<MinuteRollup>> ReadStepsAsync(int bundleId, DateTime from, DateTime to, int stepMinutes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepMinutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepMinutes, 1440);
        var steps = new Dictionary<long, MinuteRollup>();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        // The epoch minute of each row, then its step's start: steps restart at every UTC midnight.
        var epochMinute = IsSqlite ? "(CAST(strftime('%s', \"Minute\") AS INTEGER) / 60)" : "(CAST(EXTRACT(EPOCH FROM \"Minute\") AS BIGINT) / 60)";
        var step = $"({epochMinute} - ({epochMinute} % 1440) % {stepMinutes})";
        await using (var sums = connection.CreateCommand())
        {
            sums.CommandText = $"""
                SELECT {step} AS s, {SumsOfFields}
                FROM rollups WHERE "BundleId" = @b AND "Minute" >= @from AND "Minute" < @to
                GROUP BY s
                """;
            AddParameters(sums, ("@b", bundleId), ("@from", from), ("@to", to));
            await using var reader = await sums.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var start = reader.GetInt64(0);
                var rollup = new MinuteRollup(bundleId, DateTime.UnixEpoch.AddMinutes(start));
                ReadFields(reader, 1, rollup);
                steps[start] = rollup;
            }
        }

        await using (var buckets = connection.CreateCommand())
        {
            buckets.CommandText = $"""
                SELECT {step} AS s, "Bucket", CAST(SUM("Count") AS BIGINT) FROM rollup_latency
                WHERE "BundleId" = @b AND "Minute" >= @from AND "Minute" < @to
                GROUP BY s, "Bucket"
                """;
            AddParameters(buckets, ("@b", bundleId), ("@from", from), ("@to", to));
            await using var reader = await buckets.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (steps.TryGetValue(reader.GetInt64(0), out var rollup))
                {
                    rollup.Latency[reader.GetInt32(1)] = reader.GetInt64(2);
                }
            }
        }

        return steps.Values.OrderBy(r => r.Minute).ToList();
    }

    private static void AddParameters(DbCommand command, params (string Name, object Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }

    private static readonly string SumsOfFields = string.Join(", ", RollupField.All.Select(f => f.IsInteger ? $"CAST(SUM(\"{f.Column}\") AS BIGINT)" : $"SUM(\"{f.Column}\")"));

    private static void ReadFields(DbDataReader reader, int first, MinuteRollup rollup)
    {
        for (var i = 0; i < RollupField.All.Count; i++)
        {
            var field = RollupField.All[i];
            if (field.IsInteger)
            {
                field.Set(rollup, reader.GetInt64(first + i));
            }
            else
            {
                field.Set(rollup, reader.GetDouble(first + i));
            }
        }
    }

    /// <summary>The ids as one parameter: a JSON array on SQLite, an array on PostgreSQL (never one parameter per id).</summary>
    private (string Sql, object Ids) IdSet(IReadOnlyCollection<int> bundleIds) => IsSqlite
        ? ("IN (SELECT value FROM json_each(@ids))", "[" + string.Join(',', bundleIds.Distinct()) + "]")
        : ("= ANY(@ids)", bundleIds.Distinct().ToArray());

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
}
