using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A family's served requests over the last hour: one count per minute (oldest first) and the totals.</summary>
public sealed record FamilyTraffic(IReadOnlyList<long> PerMinute, long Requests, long Errors)
{
    public double? ErrorRate => Requests == 0 ? null : (double)Errors / Requests;
}

/// <summary>An event of a batch that was not stored, with why.</summary>
public sealed record RejectedEvent(int Index, Dictionary<string, string[]> Errors);

/// <summary>The answer to a batch (API.md: 202 <c>{ accepted, duplicates, rejected }</c>).</summary>
/// <summary>One score or feedback for a call already reported (API.md "Gateways").</summary>
public sealed record AnnotationInput(string? RequestId, string? Bundle, double? QualityScore, string? Feedback);

/// <summary>The answer to <c>POST /telemetry/annotations</c>.</summary>
public sealed record AnnotationResult(int Accepted, int Unknown, int Duplicates, IReadOnlyList<RejectedEvent> Rejected);

public sealed record IngestResult(int Accepted, int Duplicates, IReadOnlyList<RejectedEvent> Rejected);

/// <summary>Telemetry was folded into rollups: pages and the evaluation job learn which bundles have new data.</summary>
public sealed record TelemetryFoldedEvent(IReadOnlyList<int> FamilyIds, IReadOnlyList<string> Bundles, DateTime At);

/// <summary>
/// Ingest: resolves each event's bundle from an in-memory catalog (bundles are immutable, so it only grows; it is
/// loaded before the node is ready, and the names a batch brings that it does not know are looked up together in one
/// query, so a registered bundle is never refused), validates with Core's rules, prices events that came without a
/// cost, and hands the acceptable ones to the store, which commits them before the caller answers.
/// </summary>
public sealed class TelemetryService(TelemetryStore store, TelemetryQueries queries, ExpensiveReads expensive, LiveEvents live, TimeProvider clock, IOptions<TelemetryOptions> options) : IMetricsSource
{
    private readonly ConcurrentDictionary<string, TelemetryBundle> _bundles = new(StringComparer.Ordinal);

    public async Task<IngestResult> IngestAsync(TelemetryBatch batch, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var skew = TimeSpan.FromMinutes(options.Value.MaxClockSkewMinutes);
        var rejected = new List<RejectedEvent>();
        var accepted = new List<AcceptedEvent>(batch.Events.Count);
        await LearnAsync(batch.Events.Select(e => e?.Bundle), cancellationToken);

        for (var i = 0; i < batch.Events.Count; i++)
        {
            var e = batch.Events[i];
            if (e is null)
            {
                rejected.Add(new RejectedEvent(i, new() { ["event"] = ["must be a JSON object"] }));
                continue;
            }

            var bundle = e.Bundle is null ? null : _bundles.GetValueOrDefault(e.Bundle);
            if (TelemetryValidation.Check(e, bundle, now, skew) is { IsEmpty: false } errors)
            {
                rejected.Add(new RejectedEvent(i, errors.ToDictionary()));
                continue;
            }

            accepted.Add(new AcceptedEvent(i, e, bundle!, e.Timestamp!.Value, TelemetryValidation.CostOf(e, bundle!.Pricing)));
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var write = await store.WriteAsync(accepted, now, cancellationToken);
        ConsoleMetrics.BatchCommit.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        ConsoleMetrics.EventsIngested.Add(write.Accepted);
        ConsoleMetrics.EventsDuplicated.Add(write.Duplicates);
        ConsoleMetrics.EventsRejected.Add(rejected.Count);
        if (write.Accepted > 0)
        {
            var names = accepted.Select(a => a.Bundle).Where(b => write.BundleIds.Contains(b.Id)).Select(b => b.Name).Distinct().ToList();
            live.Publish(new TelemetryFoldedEvent(write.FamilyIds, names, now));
        }

        return new IngestResult(write.Accepted, write.Duplicates, rejected);
    }

    public const int MaxAnnotationsPerRequest = 10_000;

    /// <summary>
    /// Scores and feedback that arrive after their calls: each checked (a registered bundle, a request id, a score in
    /// [0, 1] or a feedback word), then folded into the stored call and its minute. Invalid ones are rejected by
    /// index; the rest are stored whatever the others are.
    /// </summary>
    public async Task<AnnotationResult> AnnotateAsync(IReadOnlyList<AnnotationInput?> annotations, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var rejected = new List<RejectedEvent>();
        var valid = new List<AcceptedAnnotation>(annotations.Count);
        await LearnAsync(annotations.Select(a => a?.Bundle), cancellationToken);

        for (var i = 0; i < annotations.Count; i++)
        {
            var a = annotations[i];
            if (a is null)
            {
                rejected.Add(new RejectedEvent(i, new() { ["annotation"] = ["must be a JSON object"] }));
                continue;
            }

            var bundle = a.Bundle is null ? null : _bundles.GetValueOrDefault(a.Bundle);
            var errors = TelemetryValidation.CheckAnnotation(a.RequestId, a.Bundle, bundle is not null, a.QualityScore, a.Feedback, out var feedback);
            if (!errors.IsEmpty)
            {
                rejected.Add(new RejectedEvent(i, errors.ToDictionary()));
                continue;
            }

            valid.Add(new AcceptedAnnotation(i, a.RequestId!, bundle!.Id, a.QualityScore, feedback));
        }

        var write = await store.AnnotateAsync(valid, now, cancellationToken);
        var accepted = write.Outcomes.Count(o => o == AnnotationOutcome.Accepted);
        if (accepted > 0)
        {
            var touched = _bundles.Values.Where(b => write.BundleIds.Contains(b.Id)).ToList();
            live.Publish(new TelemetryFoldedEvent(touched.Select(b => b.FamilyId).Distinct().ToList(), touched.Select(b => b.Name).ToList(), now));
        }

        return new AnnotationResult(accepted, write.Outcomes.Count(o => o == AnnotationOutcome.Unknown), write.Outcomes.Count(o => o == AnnotationOutcome.Duplicate), rejected);
    }

    /// <summary>Every name the catalog does not know yet, looked up at once: one query per batch, whatever it holds.</summary>
    private async Task LearnAsync(IEnumerable<string?> names, CancellationToken cancellationToken)
    {
        var missing = names.Where(name => name is not null && !_bundles.ContainsKey(name)).Select(name => name!).ToHashSet(StringComparer.Ordinal);
        if (missing.Count > 0)
        {
            foreach (var found in await queries.FindBundlesAsync(missing, cancellationToken))
            {
                _bundles[found.Name] = found;
            }
        }
    }

    /// <summary>Loads every registered bundle into the catalog (before the node says it is ready).</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        foreach (var bundle in await queries.FindBundlesAsync(null, cancellationToken))
        {
            _bundles[bundle.Name] = bundle;
        }
    }

    /// <summary>A registered bundle by name, from the catalog or else the database (then remembered).</summary>
    public async Task<TelemetryBundle?> FindBundleAsync(string name, CancellationToken cancellationToken)
    {
        if (_bundles.TryGetValue(name, out var known))
        {
            return known;
        }

        var found = await queries.FindBundleAsync(name, cancellationToken);
        if (found is not null)
        {
            _bundles[name] = found;
        }

        return found;
    }

    public async Task<IReadOnlyList<MetricsPoint>?> ReadAsync(string bundle, DateTime from, DateTime to, int stepMinutes, CancellationToken cancellationToken)
    {
        if (await FindBundleAsync(bundle, cancellationToken) is not { } known)
        {
            return null;
        }

        // Folded per step in the database: the rows read are the steps, never every minute of the span.
        // A span of a few hours (the charts' refresh) is cheap; a longer one waits for an expensive-read slot.
        var start = MetricsSeries.StepStart(from, stepMinutes);
        var steps = to - start <= TimeSpan.FromHours(6)
            ? await queries.ReadStepsAsync(known.Id, start, to, stepMinutes, cancellationToken)
            : await expensive.RunAsync(() => queries.ReadStepsAsync(known.Id, start, to, stepMinutes, cancellationToken), cancellationToken);
        return MetricsSeries.Build(steps, from, to, stepMinutes);
    }

    /// <summary>Every family's served traffic in the <paramref name="minutes"/> up to now (the minute in progress included).</summary>
    public async Task<IReadOnlyDictionary<string, FamilyTraffic>> TrafficAsync(int minutes, CancellationToken cancellationToken)
    {
        var first = MinuteRollup.MinuteOf(clock.GetUtcNow().UtcDateTime).AddMinutes(1 - minutes);
        var rows = await queries.ReadFamilyTrafficAsync(first, cancellationToken);
        return rows.GroupBy(r => r.Family, StringComparer.Ordinal).ToDictionary(g => g.Key, g =>
        {
            var perMinute = new long[minutes];
            foreach (var row in g)
            {
                var i = (int)(row.Minute - first).TotalMinutes;
                if (i is >= 0 && i < minutes)
                {
                    perMinute[i] += row.Requests;
                }
            }

            return new FamilyTraffic(perMinute, g.Sum(r => r.Requests), g.Sum(r => r.Errors));
        }, StringComparer.Ordinal);
    }
}
