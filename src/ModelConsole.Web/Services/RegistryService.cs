using ModelConsole.Core.Bundles;
using ModelConsole.Core.Families;
using ModelConsole.Core.Thresholds;
using ModelConsole.Core.Validation;
using ModelConsole.Data.Models;
using ModelConsole.Data.Stores;

namespace ModelConsole.Web.Services;

/// <summary>The result of a command: a value, field errors (400), or a conflict (409).</summary>
public sealed record CommandResult<T>(T? Value, ValidationErrors Errors, string? Conflict)
    where T : class
{
    public bool Succeeded => Value is not null;

    public static CommandResult<T> Invalid(ValidationErrors errors) => new(null, errors, null);

    public static CommandResult<T> Conflicted(string message) => new(null, new ValidationErrors(), message);

    public static CommandResult<T> Ok(T value) => new(value, new ValidationErrors(), null);
}

/// <summary>Families and bundles: Core decides, the store keeps. The API, the pages and the demo seed all call this.</summary>
public sealed class RegistryService(RegistryStore store, LedgerStore ledger, RoutingSnapshot routing, AlertStore alerts, TimeProvider clock)
{
    /// <summary>Every family with its live routing and its health (Core's <see cref="FamilyHealth"/> decides it).</summary>
    public async Task<IReadOnlyList<FamilySummary>> ListFamiliesAsync(CancellationToken cancellationToken)
    {
        var families = await store.ListFamiliesAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var inputs = await alerts.HealthInputsAsync(null, now - FamilyHealth.RolledBackFor, cancellationToken);
        return families.Select(f => WithHealth(f, inputs, now)).ToList();
    }

    public async Task<FamilySummary?> GetFamilyAsync(string name, CancellationToken cancellationToken)
    {
        var family = await store.GetFamilyAsync(name, cancellationToken);
        if (family is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        return WithHealth(family, await alerts.HealthInputsAsync(name, now - FamilyHealth.RolledBackFor, cancellationToken), now);
    }

    /// <summary>The incidents of a family (or of all when null) someone has yet to acknowledge, newest first.</summary>
    public Task<IReadOnlyList<AlertRecord>> UnseenIncidentsAsync(string? family, int take, CancellationToken cancellationToken) =>
        alerts.UnseenIncidentsAsync(family, take, cancellationToken);

    private static FamilySummary WithHealth(
        FamilySummary family, IReadOnlyDictionary<string, (IReadOnlyList<RuleVerdictSeen> Verdicts, IReadOnlyList<HealthAlert> Alerts)> inputs, DateTime now)
    {
        var (verdicts, bearing) = inputs.GetValueOrDefault(family.Name, ([], []));
        var view = FamilyHealth.Decide(verdicts, bearing, now);
        return family with { Health = view.Health.ToWire(), FiringAlerts = view.OpenAlerts, HealthAlertId = view.AlertId };
    }

    public Task<IReadOnlyList<string>> ListFamilyNamesAsync(CancellationToken cancellationToken) =>
        store.ListFamilyNamesAsync(cancellationToken);

    public Task<IReadOnlyList<string>> ListProvidersAsync(CancellationToken cancellationToken) =>
        store.ListProvidersAsync(cancellationToken);

    public Task<Page<BundleRow>> QueryBundlesAsync(BundleQuery query, CancellationToken cancellationToken) =>
        store.QueryBundlesAsync(query, cancellationToken);

    public Task<BundleDetail?> GetBundleAsync(string name, CancellationToken cancellationToken) =>
        store.GetBundleAsync(name, cancellationToken);

    public Task<BundleParts?> GetPartsAsync(string name, CancellationToken cancellationToken) =>
        store.GetPartsAsync(name, cancellationToken);

    public Task<IReadOnlyList<LedgerRecord>> RecentFamilyLedgerAsync(string family, int take, CancellationToken cancellationToken) =>
        ledger.ListAsync(family, null, take, cancellationToken);

    /// <summary>The ledger, newest first, filtered (the Audit page and <c>GET /ledger</c>).</summary>
    public Task<IReadOnlyList<LedgerRecord>> LedgerAsync(LedgerQuery query, CancellationToken cancellationToken) =>
        ledger.ListAsync(query, cancellationToken);

    public async Task<CommandResult<FamilySummary>> CreateFamilyAsync(FamilyDraft draft, string actor, CancellationToken cancellationToken)
    {
        var errors = draft.Check();
        if (!errors.IsEmpty)
        {
            return CommandResult<FamilySummary>.Invalid(errors);
        }

        if (!await store.CreateFamilyAsync(draft, actor, cancellationToken))
        {
            return CommandResult<FamilySummary>.Conflicted($"A family named '{draft.Name}' already exists.");
        }

        // A new family is part of the routing table from now on (with no ACTIVE bundle yet).
        await routing.RoutingVersionChangedAsync(cancellationToken);

        return CommandResult<FamilySummary>.Ok((await store.GetFamilyAsync(draft.Name!, cancellationToken))!);
    }

    public async Task<CommandResult<RegisteredBundle>> RegisterAsync(BundleDraft draft, string actor, CancellationToken cancellationToken)
    {
        var facts = await store.GetRegistrationFactsAsync(draft, cancellationToken);
        var outcome = BundleRegistration.Check(draft, facts);
        if (outcome.Conflict is not null)
        {
            return CommandResult<RegisteredBundle>.Conflicted(outcome.Conflict);
        }

        if (outcome.Accepted is not { } accepted)
        {
            return CommandResult<RegisteredBundle>.Invalid(outcome.Errors);
        }

        if (await store.AddBundleAsync(accepted, actor, cancellationToken) is null)
        {
            return CommandResult<RegisteredBundle>.Conflicted($"A bundle named '{draft.Name}' already exists.");
        }

        return CommandResult<RegisteredBundle>.Ok(new RegisteredBundle(
            accepted.Name, accepted.Family, Stage.Staging.ToWire(), accepted.Hashes.PromptHash, accepted.Hashes.ConfigHash,
            accepted.Hashes.BundleHash, BundleChanges.ToNames(accepted.Changed), accepted.MultiVariable));
    }
}

/// <summary>The answer to a registration (API.md "Bundles").</summary>
public sealed record RegisteredBundle(
    string Name,
    string Family,
    string Stage,
    string PromptHash,
    string ConfigHash,
    string BundleHash,
    IReadOnlyList<string> Changed,
    bool MultiVariable);
