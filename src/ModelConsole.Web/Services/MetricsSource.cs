using ModelConsole.Core.Telemetry;

namespace ModelConsole.Web.Services;

/// <summary>Where pages read a bundle's metrics from (the rollups, through ingest's service; a fake in component tests).</summary>
public interface IMetricsSource
{
    /// <summary>Points per <paramref name="stepMinutes"/> from <paramref name="from"/> to <paramref name="to"/>; null for an unknown bundle.</summary>
    Task<IReadOnlyList<MetricsPoint>?> ReadAsync(string bundle, DateTime from, DateTime to, int stepMinutes, CancellationToken cancellationToken);
}
