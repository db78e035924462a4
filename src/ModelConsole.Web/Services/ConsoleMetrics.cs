using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ModelConsole.Web.Services;

/// <summary>
/// The console's own meters and activity source (exported by OpenTelemetry when it is switched on, and free when it is
/// not: an instrument with no listener returns at once). Names follow OpenTelemetry's conventions; Prometheus sees
/// them with dots as underscores and a unit suffix.
/// </summary>
public static class ConsoleMetrics
{
    public const string Name = "ModelConsole";

    private static readonly Meter Meter = new(Name, typeof(ConsoleMetrics).Assembly.GetName().Version?.ToString());

    public static readonly ActivitySource Activities = new(Name);

    public static readonly Counter<long> EventsIngested = Meter.CreateCounter<long>("modelconsole.telemetry.events.ingested", "{event}", "Telemetry events stored (both doors: POST /telemetry and OTLP).");

    public static readonly Counter<long> EventsRejected = Meter.CreateCounter<long>("modelconsole.telemetry.events.rejected", "{event}", "Telemetry events refused by validation.");

    public static readonly Counter<long> EventsDuplicated = Meter.CreateCounter<long>("modelconsole.telemetry.events.duplicates", "{event}", "Telemetry events already stored (re-sent), counted once.");

    public static readonly Histogram<double> BatchCommit = Meter.CreateHistogram<double>("modelconsole.telemetry.batch.commit.duration", "ms", "Time to commit one batch of events with its rollups.");

    public static readonly Counter<long> OtlpSpans = Meter.CreateCounter<long>("modelconsole.otlp.spans", "{span}", "Spans received over OTLP, by verdict (event, ignored, rejected).");

    public static readonly Histogram<double> EvaluationPass = Meter.CreateHistogram<double>("modelconsole.evaluation.pass.duration", "ms", "One scheduled evaluation pass over every family.");

    public static readonly Counter<long> Verdicts = Meter.CreateCounter<long>("modelconsole.rules.verdicts", "{verdict}", "Rule verdicts, by outcome (pass, breach, inconclusive) and action.");

    public static readonly Counter<long> Rollbacks = Meter.CreateCounter<long>("modelconsole.rollbacks", "{rollback}", "Rollbacks, automatic (by a rule) or by hand.");

    public static readonly Histogram<double> RollbackFlip = Meter.CreateHistogram<double>("modelconsole.rollback.flip.duration", "ms", "From a rollback's start to routing answering the restored bundle.");

    public static readonly Counter<long> RouteAnswers = Meter.CreateCounter<long>("modelconsole.route.answers", "{answer}", "Route lookups answered, by outcome (served, unknown_family, no_active_bundle).");

    public static readonly UpDownCounter<long> HubConnections = Meter.CreateUpDownCounter<long>("modelconsole.hub.connections", "{connection}", "Open connections to the live-event hub.");

    public static void Route(RouteOutcome outcome) => RouteAnswers.Add(1, new KeyValuePair<string, object?>("outcome", outcome switch
    {
        RouteOutcome.Served => "served",
        RouteOutcome.UnknownFamily => "unknown_family",
        _ => "no_active_bundle",
    }));
}
