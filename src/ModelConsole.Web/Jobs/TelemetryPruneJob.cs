using Microsoft.Extensions.Options;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;
using ModelConsole.Web.Services;
using Quartz;

namespace ModelConsole.Web.Jobs;

/// <summary>
/// Deletes raw events older than <c>Telemetry:RawRetentionHours</c> (rollups stay). Raw events only de-duplicate
/// re-sent batches and pair shadows, both of which happen within minutes of the call. Then folds minute rollups older
/// than <c>Telemetry:MinuteRollupDays</c> into hourly ones and deletes hourly ones older than
/// <c>Telemetry:HourlyRollupDays</c>, so the rollups a bundle holds are bounded however long it lives.
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

        var now = clock.GetUtcNow().UtcDateTime;
        var (folded, expired) = await store.FoldRollupsAsync(
            now.AddDays(-options.Value.MinuteRollupDays), now.AddDays(-options.Value.HourlyRollupDays), cancellationToken);
        if (folded > 0 || expired > 0)
        {
            logger.LogInformation("Folded {Folded} minute rollup rows into hours and deleted {Expired} expired ones", folded, expired);
        }

        return deleted;
    }
}
