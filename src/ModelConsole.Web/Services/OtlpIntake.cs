using System.Collections.Concurrent;
using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Telemetry.Otlp;

namespace ModelConsole.Web.Services;

/// <summary>What the OpenTelemetry intake answers for one export: how many spans it refused, and why in words.</summary>
public sealed record OtlpIngestResult(int Accepted, int Duplicates, int Ignored, int Rejected, string? Message);

/// <summary>
/// The second door of ingest: spans from an OTLP export mapped to telemetry events (Core's <see cref="OtlpMapping"/>),
/// then the same <see cref="TelemetryService.IngestAsync"/> as <c>POST /telemetry</c> — validation, de-duplication,
/// pricing, rollups, pairing and rule triggers — so both doors count a call the same way.
/// </summary>
public sealed class OtlpIntake(TelemetryService telemetry, RoutingSnapshot routing, OtlpIntakeStats stats, TimeProvider clock)
{
    public async Task<OtlpIngestResult> IngestAsync(OtlpTraces traces, CancellationToken cancellationToken)
    {
        var table = routing.Current;
        var mappings = new SpanMapping[traces.Spans.Count];
        var events = new List<TelemetryEvent?>(traces.Spans.Count);
        var spanOfEvent = new List<int>(traces.Spans.Count);
        for (var i = 0; i < traces.Spans.Count; i++)
        {
            mappings[i] = OtlpMapping.Map(traces.Spans[i], table.Families.ContainsKey);
            if (mappings[i].Event is { } e)
            {
                events.Add(e);
                spanOfEvent.Add(i);
            }
        }

        var result = events.Count == 0
            ? new IngestResult(0, 0, [])
            : await telemetry.IngestAsync(new TelemetryBatch { Events = events }, cancellationToken);
        foreach (var rejected in result.Rejected)
        {
            var span = spanOfEvent[rejected.Index];
            var (field, messages) = rejected.Errors.First();
            mappings[span] = SpanMapping.Reject($"{field} {messages.FirstOrDefault()}", mappings[span].Bundle);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var ignored = 0;
        var refused = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var mapping in mappings)
        {
            switch (mapping.Verdict)
            {
                case SpanVerdict.Ignored:
                    ignored++;
                    break;
                case SpanVerdict.Rejected:
                    refused[mapping.Reason!] = refused.GetValueOrDefault(mapping.Reason!) + 1;
                    break;
            }
        }

        stats.Record(mappings, now);
        foreach (var verdict in mappings.GroupBy(m => m.Verdict))
        {
            ConsoleMetrics.OtlpSpans.Add(verdict.Count(), new KeyValuePair<string, object?>("verdict", verdict.Key switch
            {
                SpanVerdict.Event => "event",
                SpanVerdict.Ignored => "ignored",
                _ => "rejected",
            }));
        }
        var rejectedCount = refused.Values.Sum();
        var parts = refused.OrderByDescending(r => r.Value).Select(r => $"{r.Value} {r.Key}").ToList();
        var message = rejectedCount == 0 && ignored == 0 ? null
            : string.Join("; ", (rejectedCount > 0 ? new[] { $"{rejectedCount} span(s) rejected: {string.Join(", ", parts)}" } : [])
                .Concat(ignored > 0 ? [$"{ignored} span(s) ignored (not GenAI model calls)"] : []));
        return new OtlpIngestResult(result.Accepted, result.Duplicates, ignored, rejectedCount, message);
    }
}

/// <summary>One bundle's OTLP intake over the last hour (the empty name gathers spans that named no bundle); a re-sent span is accepted again and still counted once.</summary>
public sealed record OtlpIntakeRow(string Bundle, long Accepted, long Ignored, long Rejected, IReadOnlyDictionary<string, long> Reasons, DateTime LastAt);

/// <summary>
/// The OpenTelemetry intake's counts per bundle and minute for the last hour, in this node's memory: what a team
/// wiring its exporter looks at to see why nothing arrives.
/// </summary>
public sealed class OtlpIntakeStats
{
    public const int Minutes = 60;

    private readonly ConcurrentDictionary<string, Counts> _bundles = new(StringComparer.Ordinal);

    public void Record(IReadOnlyList<SpanMapping> mappings, DateTime now)
    {
        var minute = now.Ticks / TimeSpan.TicksPerMinute;
        foreach (var group in mappings.GroupBy(m => m.Bundle ?? string.Empty))
        {
            var counts = _bundles.GetOrAdd(group.Key, _ => new Counts());
            lock (counts)
            {
                var slot = counts.Slot(minute);
                foreach (var m in group)
                {
                    switch (m.Verdict)
                    {
                        case SpanVerdict.Event:
                            slot.Accepted++;
                            break;
                        case SpanVerdict.Ignored:
                            slot.Ignored++;
                            slot.Reasons[m.Reason!] = slot.Reasons.GetValueOrDefault(m.Reason!) + 1;
                            break;
                        default:
                            slot.Rejected++;
                            slot.Reasons[m.Reason!] = slot.Reasons.GetValueOrDefault(m.Reason!) + 1;
                            break;
                    }
                }

                counts.LastAt = now;
            }
        }
    }

    public IReadOnlyList<OtlpIntakeRow> Snapshot(DateTime now)
    {
        var from = now.Ticks / TimeSpan.TicksPerMinute - Minutes + 1;
        var rows = new List<OtlpIntakeRow>();
        foreach (var (bundle, counts) in _bundles)
        {
            lock (counts)
            {
                var slots = counts.Slots.Where(s => s.Minute >= from).ToList();
                if (slots.Count == 0)
                {
                    continue;
                }

                var reasons = slots.SelectMany(s => s.Reasons).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value), StringComparer.Ordinal);
                rows.Add(new OtlpIntakeRow(bundle, slots.Sum(s => s.Accepted), slots.Sum(s => s.Ignored), slots.Sum(s => s.Rejected), reasons, counts.LastAt));
            }
        }

        return [.. rows.OrderByDescending(r => r.LastAt)];
    }

    private sealed class Counts
    {
        public List<Bucket> Slots { get; } = [];

        public DateTime LastAt { get; set; }

        public Bucket Slot(long minute)
        {
            if (Slots.Count > 0 && Slots[^1].Minute == minute)
            {
                return Slots[^1];
            }

            Slots.RemoveAll(s => s.Minute <= minute - Minutes);
            var slot = new Bucket(minute);
            Slots.Add(slot);
            return slot;
        }
    }

    private sealed class Bucket(long minute)
    {
        public long Minute { get; } = minute;

        public long Accepted { get; set; }

        public long Ignored { get; set; }

        public long Rejected { get; set; }

        public Dictionary<string, long> Reasons { get; } = new(StringComparer.Ordinal);
    }
}
