using ModelConsole.Core.Bundles;
using ModelConsole.Core.Metrics;
using ModelConsole.Core.Telemetry;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// The one read of a family's reference (Core's <see cref="FamilyReference"/>): the windows of every bundle that
/// served its users (shadows left out; mirrored calls subtracted in Core), and the ACTIVE bundle's own window and
/// baseline. The planner, experiments, rollback readiness and the pipeline dialogs all read it here.
/// </summary>
public sealed class FamilyReferenceService(RegistryStore registry, TelemetryService bundles, TelemetryQueries telemetry, AlertStore alerts, ExpensiveReads expensive, TimeProvider clock)
{
    /// <summary>What the planner and experiments default from: the last day.</summary>
    public static readonly TimeSpan DefaultsWindow = TimeSpan.FromDays(1);

    /// <summary>What readiness averages: the last hour.</summary>
    public static readonly TimeSpan TrafficWindow = TimeSpan.FromHours(1);

    /// <summary>The family's reference over the <paramref name="window"/> up to the end of this minute; null for an unknown family.</summary>
    public async Task<FamilyReference?> ReadAsync(string family, TimeSpan window, CancellationToken cancellationToken)
    {
        var members = await registry.ListPricedBundlesAsync(family, cancellationToken);
        if (members.Count == 0 && await registry.GetFamilyAsync(family, cancellationToken) is null)
        {
            return null;
        }

        var to = MinuteRollup.MinuteOf(clock.GetUtcNow().UtcDateTime).AddMinutes(1);
        var served = new List<TelemetryBundle>();
        foreach (var member in members.Where(m => m.Stage != Stage.Shadow.ToWire()))
        {
            if (await bundles.FindBundleAsync(member.Name, cancellationToken) is { } known)
            {
                served.Add(known);
            }
        }

        var ids = served.Select(b => b.Id).ToList();
        var windows = await expensive.RunAsync(() => telemetry.ReadWindowTotalsAsync(ids, to - window, to, cancellationToken), cancellationToken);
        var activeName = members.FirstOrDefault(m => m.Stage == Stage.Active.ToWire())?.Name;
        var active = served.FirstOrDefault(b => b.Name == activeName);
        var baseline = active is null ? null : (await alerts.BaselineAsync(active.Id, cancellationToken))?.Baseline;
        return FamilyReference.From(windows.Values, activeName, active is null ? null : windows.GetValueOrDefault(active.Id), baseline, to, window);
    }
}
