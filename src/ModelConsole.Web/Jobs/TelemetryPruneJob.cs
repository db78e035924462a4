using Microsoft.Extensions.Options;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using Quartz;

namespace ModelConsole.Web.Jobs;

/// <summary>
/// Deletes raw events older than <c>Telemetry:RawRetentionHours</c> (rollups stay). Raw events only de-duplicate
/// re-sent batches and pair shadows, both of which happen within minutes of the call.
/// </summary>
[DisallowConcurrentExecution]
public sealed class TelemetryPruneJob(TelemetryStore store, TimeProvider clock, IOptions<TelemetryOptions> options, ILogger<TelemetryPruneJob> logger) : IJob
{
    public static readonly JobKey Key = new("telemetry-prune", "telemetry");

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await PruneAsync(cancellationToken);

    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime.AddHours(-options.Value.RawRetentionHours);
        var deleted = await store.PruneAsync(cutoff, cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Pruned {Count} raw telemetry events received before {Cutoff:O}", deleted, cutoff);
        }

        return deleted;
    }
}
