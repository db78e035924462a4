using System.Diagnostics.Metrics;

namespace ModelConsole.Client;

/// <summary>The client's own numbers through System.Diagnostics.Metrics (meter <c>ModelConsole.Client</c>).</summary>
internal sealed class ClientMetrics : IDisposable
{
    public const string MeterName = "ModelConsole.Client";

    private readonly Meter _meter = new(MeterName);

    public ClientMetrics(Func<long> queueDepth, Func<long> resolves)
    {
        _meter.CreateObservableCounter("modelconsole.client.resolves", resolves, description: "Local resolves answered");
        StaleResolves = _meter.CreateCounter<long>("modelconsole.client.resolves.stale", description: "Resolves answered from a stale table");
        DefaultResolves = _meter.CreateCounter<long>("modelconsole.client.resolves.default", description: "Resolves answered with the configured default");
        Dropped = _meter.CreateCounter<long>("modelconsole.client.telemetry.dropped", description: "Telemetry events dropped because the queue was full");
        BatchesSent = _meter.CreateCounter<long>("modelconsole.client.telemetry.batches", description: "Telemetry batches the console acknowledged");
        ShadowsSkipped = _meter.CreateCounter<long>("modelconsole.client.shadow.skipped", description: "Mirrored calls skipped because enough were in flight");
        _meter.CreateObservableGauge("modelconsole.client.telemetry.queue", queueDepth, description: "Telemetry events waiting to be sent");
    }

    public Counter<long> StaleResolves { get; }
    public Counter<long> DefaultResolves { get; }
    public Counter<long> Dropped { get; }
    public Counter<long> BatchesSent { get; }
    public Counter<long> ShadowsSkipped { get; }

    public void Dispose() => _meter.Dispose();
}
