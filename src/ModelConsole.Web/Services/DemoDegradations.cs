using System.Collections.Immutable;
using ModelConsole.Core.Ledger;
using ModelConsole.Core.Simulation;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>A degradation started or stopped: the demo page and the simulator hear it.</summary>
public sealed record DegradationChangedEvent(Degradation Degradation, bool Stopped);

/// <summary>
/// The degradations admins switched on in a demo database. They live in memory (the simulator is their only reader,
/// and it stops with the process), and each start and early stop is recorded in the ledger.
/// </summary>
public sealed class DemoDegradations(Readiness readiness, RegistryService registry, LedgerStore ledger, LiveEvents live, TimeProvider clock)
{
    public const int MaxActive = 20;

    private ImmutableArray<Degradation> _all = [];

    /// <summary>Every degradation not yet past its end, oldest first.</summary>
    public IReadOnlyList<Degradation> Current
    {
        get
        {
            var now = clock.GetUtcNow().UtcDateTime;
            return _all.Where(d => d.Until > now).ToList();
        }
    }

    /// <summary>A lock-free view for the simulator's loop.</summary>
    public ImmutableArray<Degradation> All => _all;

    public async Task<CommandResult<Degradation>> StartAsync(DegradationDraft draft, string actor, CancellationToken cancellationToken)
    {
        if (!readiness.IsDemoDatabase)
        {
            return CommandResult<Degradation>.Conflicted("Degradations exist only in a demo database.");
        }

        var errors = draft.Validate();
        var bundle = errors.Has("bundle") ? null : await registry.GetBundleAsync(draft.Bundle!, cancellationToken);
        if (!errors.Has("bundle") && bundle is null)
        {
            errors.Add("bundle", $"There is no bundle named '{draft.Bundle}'.");
        }
        else if (bundle is not null && !DemoSeeder.Traffic.Any(f => f.Name == bundle.Family))
        {
            errors.Add("bundle", $"'{bundle.Name}' is not in a demo family: only the demo families get simulated traffic.");
        }

        if (!errors.IsEmpty)
        {
            return CommandResult<Degradation>.Invalid(errors);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (Current.Count >= MaxActive)
        {
            return CommandResult<Degradation>.Conflicted($"At most {MaxActive} degradations run at once; stop one first.");
        }

        var degradation = new Degradation(Guid.NewGuid(), bundle!.Name, bundle.Family, draft.Kind!.Value, draft.Amount!.Value, now, now.AddMinutes(draft.DurationMinutes!.Value), actor);
        await ledger.AppendAsync(now, actor, LedgerActions.DemoDegraded, bundle.Family, bundle.Name,
            $"demo: {degradation.Describe()} for {draft.DurationMinutes:0.#} min",
            new { kind = degradation.Kind.ToString(), amount = degradation.Amount, until = degradation.Until }, cancellationToken);
        ImmutableInterlocked.Update(ref _all, a => a.RemoveAll(d => d.Until <= now).Add(degradation));
        live.Publish(new DegradationChangedEvent(degradation, Stopped: false));
        return CommandResult<Degradation>.Ok(degradation);
    }

    /// <summary>Ends a running degradation now; false when it is unknown or already over.</summary>
    public async Task<bool> StopAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var running = _all.FirstOrDefault(d => d.Id == id && d.Until > now);
        if (running is null)
        {
            return false;
        }

        var stopped = running with { Until = now };
        ImmutableInterlocked.Update(ref _all, a => a.Replace(running, stopped));
        await ledger.AppendAsync(now, actor, LedgerActions.DemoDegradationStopped, running.Family, running.Bundle,
            $"demo: {running.Describe()} stopped early", new { kind = running.Kind.ToString(), amount = running.Amount, plannedUntil = running.Until }, cancellationToken);
        live.Publish(new DegradationChangedEvent(stopped, Stopped: true));
        return true;
    }
}
