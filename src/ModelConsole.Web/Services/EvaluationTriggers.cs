using ModelConsole.Core.Ledger;

namespace ModelConsole.Web.Services;

/// <summary>
/// Connects the live-event bus to the rules: ingest's folded data is new evidence and triggers an immediate
/// evaluation of a family with a live candidate; a stage change or a rollback re-evaluates the family at once (its
/// live bundles changed, so its health must not wait for the next interval); a rollback resolves the rolled-back
/// bundle's open alerts; a promotion captures the promoted bundle's baseline from its own traffic before it became ACTIVE.
/// </summary>
public sealed class EvaluationTriggers(
    LiveEvents live,
    EvaluationService evaluation,
    AlertsService alerts,
    RoutingSnapshot routing,
    RollbackReadinessService readiness,
    ILogger<EvaluationTriggers> logger) : IHostedService
{
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
        var changedFamily = e switch
        {
            StageChangedEvent stage => stage.Family,
            RollbackCompletedEvent rollback => rollback.Family,
            _ => null,
        };
        if (changedFamily is not null)
        {
            _ = evaluation.TriggerAsync(changedFamily, CancellationToken.None);
        }

        switch (e)
        {
            case TelemetryFoldedEvent folded:
                foreach (var route in routing.Current.Families.Values)
                {
                    if (route.Candidate is { } candidate && (folded.Bundles.Contains(candidate) || (route.Active is { } a && folded.Bundles.Contains(a))))
                    {
                        _ = evaluation.TriggerAsync(route.Family, CancellationToken.None);
                    }
                }

                break;
            case RollbackCompletedEvent { RolledBack: { } rolledBack } rollback:
                _ = Quietly(() => alerts.BundleRolledBackAsync(rolledBack, rollback.Actor, CancellationToken.None), "resolve the alerts of " + rolledBack);
                break;
            case StageChangedEvent { To: "ACTIVE", From: "CANARY" } promoted:
                _ = Quietly(() => readiness.CaptureAsync(promoted.Bundle, Actors.System, CancellationToken.None), "capture the baseline of " + promoted.Bundle);
                break;
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
