using ModelConsole.Core.Telemetry;
using ModelConsole.Core.Thresholds;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>
/// Connects the live-event bus to the rules: ingest's folded data is new evidence and triggers an immediate
/// evaluation of a family with a live candidate; a rollback resolves the rolled-back bundle's open alerts; a
/// promotion captures the promoted bundle's baseline from its own traffic before it became ACTIVE.
/// </summary>
public sealed class EvaluationTriggers(
    LiveEvents live,
    EvaluationService evaluation,
    RoutingSnapshot routing,
    TelemetryService bundles,
    TelemetryStore telemetry,
    AlertStore alerts,
    TimeProvider clock,
    ILogger<EvaluationTriggers> logger) : IHostedService
{
    /// <summary>How far back a promotion looks for the bundle's canary traffic to capture its baseline from.</summary>
    public static readonly TimeSpan CaptureWindow = TimeSpan.FromHours(24);

    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = live.Subscribe(OnEvent);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void OnEvent(object e)
    {
        switch (e)
        {
            case TelemetryFoldedEvent folded:
                evaluation.NoteData(folded.Bundles, folded.At);
                foreach (var route in routing.Current.Families.Values)
                {
                    var candidate = route.Canary?.Bundle ?? route.Shadow?.Bundle;
                    if (candidate is not null && (folded.Bundles.Contains(candidate) || (route.Active is { } a && folded.Bundles.Contains(a))))
                    {
                        _ = evaluation.TriggerAsync(route.Family, CancellationToken.None);
                    }
                }

                break;
            case RollbackCompletedEvent { RolledBack: { } rolledBack } rollback:
                _ = Quietly(() => evaluation.BundleRolledBackAsync(rolledBack, rollback.Actor, CancellationToken.None), "resolve the alerts of " + rolledBack);
                break;
            case StageChangedEvent { To: "ACTIVE", From: "CANARY" } promoted:
                _ = Quietly(() => CaptureAsync(promoted.Bundle), "capture the baseline of " + promoted.Bundle);
                break;
        }
    }

    private async Task CaptureAsync(string bundle)
    {
        if (await bundles.FindBundleAsync(bundle, CancellationToken.None) is not { } known)
        {
            return;
        }

        var to = MinuteRollup.MinuteOf(clock.GetUtcNow().UtcDateTime).AddMinutes(1);
        var window = new MinuteRollup(known.Id, to);
        foreach (var minute in await telemetry.ReadRollupsAsync(known.Id, to - CaptureWindow, to, CancellationToken.None))
        {
            window.Merge(minute);
        }

        if (BaselineCapture.From(window) is { } baseline)
        {
            await alerts.CaptureBaselineAsync(known.Id, baseline, CancellationToken.None);
        }
    }

    private async Task Quietly(Func<Task> work, string what)
    {
        try
        {
            await work();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not {What}", what);
        }
    }
}
